using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

/// <summary>
/// What admitted a new connection, recorded on its entry: the policy version and rule that allowed it, how it leaves
/// (BYPASS or PROTECT), and for traffic on an SA the SA's SPI and the peer's grant. <see cref="ConnectionTable.Recheck"/>
/// re-decides the connection with these.
/// </summary>
/// <param name="PolicyVersion">The version of the snapshot that allowed it.</param>
/// <param name="RuleIndex">The deciding rule.</param>
/// <param name="Action">BYPASS (in clear) or PROTECT (on an SA).</param>
/// <param name="Spi">The SPI of the SA it uses (inbound SPI for a connection that arrived on one), or 0 in clear.</param>
/// <param name="Grant">The peer's grant when it travels on an SA, else null.</param>
/// <param name="LocalProgram">The local program the decision was made for, when a rule asked for one.</param>
public readonly record struct ConnectionAdmission(
    long PolicyVersion, int RuleIndex, OutboundAction Action, uint Spi, PeerGrant? Grant, string? LocalProgram = null);
