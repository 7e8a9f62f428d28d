using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

/// <summary>
/// A live connection that a new policy forbids, removed by <see cref="ConnectionTable.Recheck"/>: the caller logs it
/// (an intrusion-detection event) and may reset it (TCP RST to the local socket).
/// </summary>
/// <param name="Flow">The connection as its first packet was (source: whoever opened it).</param>
/// <param name="LocallyInitiated">True when this host opened it.</param>
/// <param name="State">Its state when cut.</param>
/// <param name="Spi">The SA it used, or 0 in clear.</param>
/// <param name="Verdict">The new policy's verdict on it (a deny, with the deciding rule or the default).</param>
public readonly record struct CutConnection(
    FlowKey Flow, bool LocallyInitiated, ConnectionState State, uint Spi, Verdict Verdict);
