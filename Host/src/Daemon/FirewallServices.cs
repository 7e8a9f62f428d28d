using IpsecFw.Host.Control;
using Microsoft.Extensions.DependencyInjection;

namespace IpsecFw.Host.Daemon;

/// <summary>The wiring of the nftables firewall into the daemon (<see cref="DaemonHost"/>).</summary>
internal static class FirewallServices
{
    /// <summary>The firewall and its status section.</summary>
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<NftablesFirewall>();
        services.AddSingleton<IStatusSource, FirewallStatusSource>();
    }

    /// <summary>Its hosted service: right after the policy, before anything opens a port.</summary>
    public static void AddHostedService(IServiceCollection services) =>
        services.AddHostedService(sp => sp.GetRequiredService<NftablesFirewall>());
}
