# Runs at install time (from systemd/CMakeLists.txt's install(CODE)): writes
# the units, sysusers.d and tmpfiles.d entries and the example configuration
# with the paths of the prefix actually installed to. Not for configure time:
# `cmake --install --prefix` is known only now.

# An install folder as an absolute path, by GNUInstallDirs' rules: etc and
# var under prefix /usr (or /) are /etc and /var, under /opt/X /etc/opt/X.
function(pt_abs out dir)
  string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
  if(IS_ABSOLUTE "${dir}")
    set(abs "${dir}")
  elseif(dir MATCHES "^(etc|var)(/|$)" AND (prefix STREQUAL "/usr" OR prefix STREQUAL ""))
    set(abs "/${dir}")
  elseif(dir MATCHES "^(etc|var)(/|$)" AND prefix MATCHES "^/opt/")
    set(abs "/${dir}${prefix}")
  else()
    set(abs "${prefix}/${dir}")
  endif()
  set(${out} "${abs}" PARENT_SCOPE)
endfunction()

pt_abs(PT_SBINDIR "${PT_SBINDIR}")
pt_abs(PT_SYSCONFDIR "${PT_SYSCONFDIR}")
pt_abs(PT_DATADIR "${PT_DATADIR}")
pt_abs(PT_DOCDIR "${PT_DOCDIR}")
pt_abs(PT_PLUGINDIR "${PT_PLUGINDIR}")
pt_abs(PT_UNITDIR "${PT_UNITDIR}")
pt_abs(PT_SYSUSERSDIR "${PT_SYSUSERSDIR}")
pt_abs(PT_TMPFILESDIR "${PT_TMPFILESDIR}")

# One folder per destination, so that concurrent installs (the tests) into
# different roots do not write the same generated file.
string(MD5 key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(gen "${PT_GEN}/${key}")

foreach(unit plantrackd.service plantrack-collect.service plantrack-collect.timer)
  configure_file("${PT_SRC}/systemd/${unit}" "${gen}/${unit}" @ONLY)
  file(INSTALL "${gen}/${unit}" DESTINATION "${PT_UNITDIR}")
endforeach()
file(INSTALL "${PT_SRC}/systemd/plantrack.sysusers" DESTINATION "${PT_SYSUSERSDIR}"
     RENAME plantrack.conf)
file(INSTALL "${PT_SRC}/systemd/plantrack.tmpfiles" DESTINATION "${PT_TMPFILESDIR}"
     RENAME plantrack.conf)

# The example configuration names the catalogue and plugin folders of a
# /usr install; point them at this one.
file(READ "${PT_SRC}/config/plantrack.json" conf)
string(REPLACE "\"/usr/share/plantrack/" "\"${PT_DATADIR}/plantrack/" conf "${conf}")
string(REPLACE "\"/usr/lib/plantrack/plugins\"" "\"${PT_PLUGINDIR}\"" conf "${conf}")
file(WRITE "${gen}/plantrack.json" "${conf}")
file(INSTALL "${gen}/plantrack.json" DESTINATION "${PT_DOCDIR}" RENAME plantrack.json.example)
# An administrator's configuration is never overwritten.
if(EXISTS "$ENV{DESTDIR}${PT_SYSCONFDIR}/plantrack/plantrack.json")
  message(STATUS "Keeping: $ENV{DESTDIR}${PT_SYSCONFDIR}/plantrack/plantrack.json "
                 "(the example is ${PT_DOCDIR}/plantrack.json.example)")
else()
  file(INSTALL "${gen}/plantrack.json" DESTINATION "${PT_SYSCONFDIR}/plantrack")
endif()
