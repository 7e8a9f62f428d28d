using System.Net;

namespace IpsecFw.Host.Demo;

/// <summary>
/// One machine of the demonstration's organisation: its namespace, its address on its link to the router
/// (198.18.<see cref="Link"/>.2), and, for hosts that run <c>ipsecfw</c>, its certificate name and its overlay address
/// (198.19.0.N/32 on its TUN device), the address protected traffic between organisation hosts uses.
/// </summary>
/// <param name="Key">Short name, also the namespace suffix (<c>mail-gw</c>, <c>host1</c>...).</param>
/// <param name="Label">How the table names it (<c>mail gateway</c>, <c>host1</c>, <c>telecommuter</c>...).</param>
/// <param name="Link">The third octet of its link's 198.18.X.0/24.</param>
/// <param name="CertificateName">The DNS name in its certificate; null for hosts without one (they run no daemon).</param>
/// <param name="OverlayIndex">N of its overlay address 198.19.0.N; 0 for hosts without a certificate.</param>
/// <param name="Inside">True for machines on the organisation's side of the router (for the picture only: the router filters nothing).</param>
internal sealed record DemoHost(string Key, string Label, int Link, string? CertificateName, int OverlayIndex, bool Inside)
{
    /// <summary>Its address on its link: 198.18.<see cref="Link"/>.2.</summary>
    public IPAddress Underlay { get; } = new([198, 18, (byte)Link, 2]);

    /// <summary>The router's address on the same link: 198.18.<see cref="Link"/>.1.</summary>
    public IPAddress Gateway { get; } = new([198, 18, (byte)Link, 1]);

    /// <summary>Its overlay address 198.19.0.N (TUN), or null for a host without a daemon.</summary>
    public IPAddress? Overlay { get; } = OverlayIndex > 0 ? new IPAddress([198, 19, 0, (byte)OverlayIndex]) : null;

    /// <summary>True when it runs <c>ipsecfw</c> (it has a certificate).</summary>
    public bool RunsDaemon => CertificateName is not null;

    /// <inheritdoc/>
    public override string ToString() => Label;
}
