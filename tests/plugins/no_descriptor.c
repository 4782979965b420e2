/* A shared object without the plantrack_plugin descriptor: must be refused. */
int plantrack_not_a_plugin(void);
int plantrack_not_a_plugin(void) { return 42; }
