using System.Runtime.Versioning;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Host.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Builds the daemon (<c>ipsecfw run</c>): a generic host with systemd integration (Type=notify readiness, the journald
/// console format under systemd), logs on standard error, and the hosted services in start order: policy, the nftables
/// firewall (<see cref="NftablesFirewall"/>), signals, IKE and the data path (<see cref="IkeService"/>, only when the configuration has peers), control socket, bundle pulls (<see cref="BundlePullService"/>, <c>policy.pull</c>). With peers,
/// <see cref="IkeSaSource"/> answers <c>sas</c>; without, <see cref="EmptySaSource"/>. Tests may replace services in
/// the <c>configureServices</c> callback of <see cref="Build"/>.
/// </summary>
public static class DaemonHost
{
    /// <summary>How long a stop may take before the host gives up on the services.</summary>
    public static TimeSpan ShutdownTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Builds the host for a validated configuration.</summary>
    public static IHost Build(string configPath, HostConfig config, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Args = [],
            ContentRootPath = config.BaseDirectory,
            ApplicationName = "ipsecfw",
        });
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(config.Logging.Level);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        // The host logs a failed start with the exception's stack trace; 'ipsecfw run' prints the plain reason itself.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(o =>
        {
            // One line per record, no colours: readable in a terminal and in the journal alike. Under systemd,
            // AddSystemd switches the formatter to the journald one (priority prefixes, no timestamps).
            o.SingleLine = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });

        IServiceCollection services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new DaemonState(configPath, config, TimeProvider.System.GetUtcNow()));
        services.AddSingleton<PolicyService>();
        services.AddSingleton<Reloader>();
        services.AddSingleton<BundlePullCounters>();
        services.AddSingleton<BundlePuller>();
        if (config.Policy.Pull is not null)
        {
            services.AddSingleton<IStatusSource>(sp => sp.GetRequiredService<BundlePullCounters>());
        }
        services.AddSingleton(_ => new EspSaTable());
        services.AddSingleton<DataPathCounters>();
        services.AddSingleton<EventPipeline>();
        if (config.Events is not null)
        {
            services.AddSingleton<IStatusSource>(sp => sp.GetRequiredService<EventPipeline>());
        }

        services.AddSingleton<SpdPacketFilter>();
        services.AddSingleton<IStatusSource, EspStatusSource>();
        services.AddSingleton<IStatusSource, DataPathStatusSource>();
        services.AddSingleton<IControlHandler, ControlCommandHandler>();
        FirewallServices.Add(services);
        if (OperatingSystem.IsLinux() && config.Peers.Count > 0)
        {
            AddIke(services);
        }

        configureServices?.Invoke(services);
        services.TryAddSingleton<ISaSource, EmptySaSource>();
        services.AddHostedService<PolicyHostedService>();

        // Before IKE and the data path, so that it stops after them and writes their last events.
        services.AddHostedService(sp => sp.GetRequiredService<EventPipeline>());
        if (NflogReader.Group(config) > 0)
        {
            // Before the firewall installs the rules that log to its group; stopped after it removed them.
            services.AddSingleton<NflogReader>();
            services.AddHostedService(sp => sp.GetRequiredService<NflogReader>());
        }

        FirewallServices.AddHostedService(services);
        services.AddHostedService<SignalService>();
        if (OperatingSystem.IsLinux() && config.Peers.Count > 0)
        {
            // After the policy (admission asks it), before the control socket (which then shows a running engine);
            // stopped in reverse order: the socket first, then IKE (DELETE to the peers), then the rest.
            AddIkeHostedService(services);
        }

        services.AddHostedService<ControlSocketService>();

        // Last: a pulled bundle is installed through PolicyService.Installed, which the firewall and data path follow.
        services.AddHostedService<BundlePullService>();
        return builder.Build();
    }

    [SupportedOSPlatform("linux")]
    private static void AddIke(IServiceCollection services)
    {
        services.AddSingleton<IkeService>();
        services.AddSingleton<IPeerReloader>(sp => sp.GetRequiredService<IkeService>());
        services.AddSingleton(_ => new AcquireQueue());
        services.AddSingleton<IStatusSource, AcquireStatusSource>();
        services.AddSingleton<VirtualAddresses>();
        services.AddSingleton<IStatusSource>(sp => sp.GetRequiredService<VirtualAddresses>());
        services.AddSingleton<ISaSource, IkeSaSource>();
        services.AddSingleton<IStatusSource, IkeStatusSource>();
        services.AddSingleton<IStatusSource, TunStatusSource>();
        services.AddSingleton<IStatusSource, KernelStatusSource>();
    }

    [SupportedOSPlatform("linux")]
    private static void AddIkeHostedService(IServiceCollection services)
    {
        services.AddHostedService(sp => sp.GetRequiredService<IkeService>());

        // glibc keeps what a burst of handshakes freed natively; given back once the burst is over.
        services.AddHostedService<NativeHeapTrimmer>();
    }
}
