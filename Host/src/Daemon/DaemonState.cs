using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Daemon;

/// <summary>The daemon's running configuration and start time. The configuration is swapped atomically on reload.</summary>
public sealed class DaemonState
{
    private HostConfig _config;

    /// <summary>The state of a daemon started now with <paramref name="config"/> read from <paramref name="configPath"/>.</summary>
    public DaemonState(string configPath, HostConfig config, DateTimeOffset startedAt)
    {
        ConfigPath = configPath;
        _config = config;
        StartedAt = startedAt;
    }

    /// <summary>The configuration file, as given on the command line.</summary>
    public string ConfigPath { get; }

    /// <summary>When the daemon started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The running configuration.</summary>
    public HostConfig Config => Volatile.Read(ref _config);

    /// <summary>Replaces the running configuration.</summary>
    public void Replace(HostConfig config) => Volatile.Write(ref _config, config);

    /// <summary>The daemon's version (the assembly's informational version, without the source revision).</summary>
    public static string Version { get; } =
        (typeof(DaemonState).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
