using System.Net;

namespace IpsecFw.Esp.Transport;

/// <summary>An IKE message received on the NAT-T port, copied out of the data path for the control plane.</summary>
/// <param name="Message">The IKE message, without the non-ESP marker.</param>
/// <param name="Remote">The sender's address (a copy the receiver owns).</param>
public sealed record IkeDatagram(byte[] Message, SocketAddress Remote);
