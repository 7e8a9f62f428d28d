namespace IpsecFw.Esp.Sa;

/// <summary>The UDP ports of an ESP-in-UDP SA (RFC 3948 2.1); both are 4500 unless a NAT rewrote them.</summary>
/// <param name="LocalPort">Our port.</param>
/// <param name="RemotePort">The peer's port, as seen from here.</param>
public readonly record struct UdpEncapsulationPorts(ushort LocalPort = 4500, ushort RemotePort = 4500);
