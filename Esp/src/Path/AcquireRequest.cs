namespace IpsecFw.Esp.DataPath;

/// <summary>
/// An acquire: <see cref="Peer"/> (a configured peer's name) needs an SA for traffic that has none. The IKE side starts
/// an IKE SA with the peer, or waits when one is already being negotiated. A struct, so that raising one on the packet
/// thread allocates nothing; fields can be added (a CHILD_SA request on an existing IKE SA would add its selectors).
/// </summary>
public readonly record struct AcquireRequest(string Peer);
