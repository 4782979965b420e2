/* Telling systemd how the daemon is doing (sd_notify protocol): READY,
 * RELOADING, STOPPING, STATUS and watchdog pings. Without NOTIFY_SOCKET
 * (not under systemd) every call does nothing. */
#ifndef PT_NOTIFY_H
#define PT_NOTIFY_H

/* Sends state (e.g. "READY=1\nSTATUS=…"); returns 0 or a PT_E… code. */
int pt_notify(const char *state);
/* The watchdog interval systemd expects pings within, in ms, or 0. */
long pt_notify_watchdog_ms(void);

#endif
