using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The records of inside addresses given and taken by CP (4100s) and of the policy's specialisation for them (2100s).</summary>
internal static partial class HostLog
{
    [LoggerMessage(2100, LogLevel.Information, "Policy version {Version} specialised again for the leased addresses: {Addresses}")]
    public static partial void PolicySpecialised(ILogger logger, long version, string addresses);

    [LoggerMessage(4100, LogLevel.Information, "Peer {Peer} assigned {Address} (DNS: {Dns}); on {Device}, source of the routes to {Subnets}")]
    public static partial void LeaseInstalled(ILogger logger, string peer, string address, string dns, string device, string subnets);

    [LoggerMessage(4101, LogLevel.Information, "Lease {Address} of peer {Peer} removed ({Reason}); the routes to {Subnets} stay in {Device}: that traffic is dropped until the tunnel is back")]
    public static partial void LeaseRemoved(ILogger logger, string address, string peer, string reason, string subnets, string device);

    [LoggerMessage(4102, LogLevel.Error, "Inside address {Address} of peer {Peer}: {Error}")]
    public static partial void LeaseFailed(ILogger logger, string address, string peer, string error);

    [LoggerMessage(4103, LogLevel.Information, "Pool {Pool} ({Prefix}) answers CP requests of peers {Peers}, DNS {Dns}; routed into {Device}")]
    public static partial void PoolServing(ILogger logger, string pool, string prefix, string peers, string dns, string device);

    [LoggerMessage(4104, LogLevel.Warning, "Pool {Pool} of peer {Peer} is not used: {Reason}")]
    public static partial void PoolUnused(ILogger logger, string pool, string peer, string reason);
}
