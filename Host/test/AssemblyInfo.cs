// The daemon's tests use Unix sockets, file modes and signals: Linux only, like the daemon.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
