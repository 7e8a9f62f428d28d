using System.Net;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// A CHILD_SA dedicated to one program's traffic with one peer (per-process keying), as the data path sees it: the
/// outbound ESP SA and peer address it steers flows onto (<see cref="Route"/>, replaced atomically when a rekey takes
/// over), the SPIs of every generation of the pair (connections remember the SPI they were admitted on), and, on the
/// side that asked for it, the program (<see cref="Program"/>); on the answering side the program is unknown (null).
/// </summary>
internal sealed class DedicatedSa(string peerName, string? program)
{
    /// <summary>The configured peer.</summary>
    public string PeerName { get; } = peerName;

    /// <summary>The local program the pair was negotiated for, when this host asked for it; else null.</summary>
    public string? Program { get; } = program;

    /// <summary>Where a steered packet goes: the current generation's outbound SA and the peer's UDP address.</summary>
    public DedicatedRoute? Route { get; set; }

    /// <summary>Every SPI (inbound and outbound) of every generation still remembered; control plane, under the filter's lock.</summary>
    public List<uint> Spis { get; } = [];

    /// <summary>Generations installed and not yet gone (a rekey briefly has two).</summary>
    public int Live { get; set; }
}

/// <summary>The outbound SA of a <see cref="DedicatedSa"/> and the peer's UDP address (serialised once).</summary>
internal sealed record DedicatedRoute(EspSa Sa, SocketAddress Remote);
