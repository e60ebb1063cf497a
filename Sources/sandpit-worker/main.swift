// sandpit-worker: the process a plugin is loaded into. It is started by `sandpit` with
// posix_spawn, locks itself down, loads the plugin and answers cases over fd 3.
// No Foundation here: a worker start must not pay for loading it.
Worker.main()
