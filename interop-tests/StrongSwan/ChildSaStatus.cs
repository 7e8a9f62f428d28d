using System.Globalization;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>A CHILD_SA as <c>swanctl --list-sas</c> reports it.</summary>
/// <param name="Name">The child config's name (<c>name</c>; the section is <c>&lt;name&gt;-&lt;uniqueid&gt;</c>).</param>
/// <param name="State">INSTALLED, REKEYING, REKEYED, DELETING, ...</param>
/// <param name="Raw">Every field, for anything not modelled here.</param>
public sealed record ChildSaStatus(string Name, string State, ViciSection Raw)
{
    /// <summary>TUNNEL or TRANSPORT.</summary>
    public string? Mode => Raw.Get("mode");

    /// <summary>ESP or AH.</summary>
    public string? Protocol => Raw.Get("protocol");

    /// <summary>True when UDP-encapsulated (always with kernel-libipsec).</summary>
    public bool Encap => Raw.Get("encap") == "yes";

    /// <summary>Inbound SPI, hex as swanctl prints it (e.g. <c>c8a1b2d3</c>).</summary>
    public string? SpiIn => Raw.Get("spi-in");

    /// <summary>Outbound SPI, hex.</summary>
    public string? SpiOut => Raw.Get("spi-out");

    /// <summary>Encryption algorithm, e.g. AES_GCM_16.</summary>
    public string? EncrAlg => Raw.Get("encr-alg");

    /// <summary>Encryption key size in bits.</summary>
    public int? EncrKeySize => Int(Raw.Get("encr-keysize"));

    /// <summary>Bytes received.</summary>
    public long BytesIn => Int(Raw.Get("bytes-in")) ?? 0;

    /// <summary>Packets received.</summary>
    public long PacketsIn => Int(Raw.Get("packets-in")) ?? 0;

    /// <summary>Bytes sent.</summary>
    public long BytesOut => Int(Raw.Get("bytes-out")) ?? 0;

    /// <summary>Packets sent.</summary>
    public long PacketsOut => Int(Raw.Get("packets-out")) ?? 0;

    /// <summary>Local traffic selectors.</summary>
    public IReadOnlyList<string> LocalTs => Raw.GetList("local-ts");

    /// <summary>Remote traffic selectors.</summary>
    public IReadOnlyList<string> RemoteTs => Raw.GetList("remote-ts");

    /// <summary>From a <c>child-sas</c> entry.</summary>
    public static ChildSaStatus From(ViciSection child) => new(child.Get("name") ?? child.Name, child.Get("state") ?? "", child);

    internal static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} {State} {Mode} {Protocol}{(Encap ? "-in-UDP" : "")} spi-in {SpiIn} spi-out {SpiOut} {EncrAlg}/{EncrKeySize} in {PacketsIn}p/{BytesIn}B out {PacketsOut}p/{BytesOut}B {string.Join(',', LocalTs)} === {string.Join(',', RemoteTs)}";
}
