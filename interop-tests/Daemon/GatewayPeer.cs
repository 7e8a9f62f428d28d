namespace IpsecFw.InteropTests.Daemon;

/// <summary>One responder-only peer of a gateway written by <see cref="DaemonConfigs.WriteGateway(StrongSwan.TestCertificate, StrongSwan.NetnsEnd, System.Net.IPAddress, IReadOnlyList{GatewayPeer}, System.Net.IPAddress, System.Net.IPAddress, System.Net.IPAddress)"/>.</summary>
/// <param name="Name">The peer's name, also its pool's name.</param>
/// <param name="RemoteId">The identity the initiator must claim (<c>peers[].remoteId</c>: a DN, an FQDN or a <c>*.</c> suffix).</param>
/// <param name="Pool">The prefix its inside IPv4 addresses are leased from.</param>
/// <param name="Pool6">The prefix its inside IPv6 addresses are leased from, if any.</param>
internal sealed record GatewayPeer(string Name, string RemoteId, string Pool, string? Pool6 = null);
