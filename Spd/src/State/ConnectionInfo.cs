using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

/// <summary>A copy of a tracked connection's entry, as <see cref="ConnectionTable.Update"/> leaves it.</summary>
/// <param name="State">The state after this packet.</param>
/// <param name="LocallyInitiated">True when this host opened the connection.</param>
/// <param name="Admission">What admitted the connection (updated by <see cref="ConnectionTable.Recheck"/>).</param>
public readonly record struct ConnectionInfo(ConnectionState State, bool LocallyInitiated, ConnectionAdmission Admission)
{
    /// <summary>The policy version the connection was last judged under.</summary>
    public long PolicyVersion => Admission.PolicyVersion;

    /// <summary>The SA's SPI, or 0 for traffic in clear.</summary>
    public uint Spi => Admission.Spi;

    /// <summary>The peer's grant, or null for traffic in clear.</summary>
    public PeerGrant? Grant => Admission.Grant;
}
