namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>An IKE SA as <c>swanctl --list-sas</c> reports it, with its CHILD_SAs.</summary>
/// <param name="Name">The connection's name.</param>
/// <param name="State">CREATED, CONNECTING, ESTABLISHED, REKEYING, DELETING, ...</param>
/// <param name="Children">The CHILD_SAs.</param>
/// <param name="Raw">Every field, for anything not modelled here.</param>
public sealed record IkeSaStatus(string Name, string State, IReadOnlyList<ChildSaStatus> Children, ViciSection Raw)
{
    /// <summary>The local identity, e.g. <c>C=US, O=Example, CN=mail-gw.example.com</c>.</summary>
    public string? LocalId => Raw.Get("local-id");

    /// <summary>The remote identity.</summary>
    public string? RemoteId => Raw.Get("remote-id");

    /// <summary>The local address.</summary>
    public string? LocalHost => Raw.Get("local-host");

    /// <summary>The remote address.</summary>
    public string? RemoteHost => Raw.Get("remote-host");

    /// <summary>The local port (4500 once NAT-T or kernel-libipsec floated the SA).</summary>
    public int? LocalPort => ChildSaStatus.Int(Raw.Get("local-port"));

    /// <summary>The remote port.</summary>
    public int? RemotePort => ChildSaStatus.Int(Raw.Get("remote-port"));

    /// <summary>True on the side that initiated the SA.</summary>
    public bool Initiator => Raw.Get("initiator") == "yes";

    /// <summary>The initiator's IKE SPI, hex.</summary>
    public string? InitiatorSpi => Raw.Get("initiator-spi");

    /// <summary>The responder's IKE SPI, hex.</summary>
    public string? ResponderSpi => Raw.Get("responder-spi");

    /// <summary>IKE encryption algorithm, e.g. AES_GCM_16.</summary>
    public string? EncrAlg => Raw.Get("encr-alg");

    /// <summary>IKE encryption key size in bits.</summary>
    public int? EncrKeySize => ChildSaStatus.Int(Raw.Get("encr-keysize"));

    /// <summary>The PRF, e.g. PRF_HMAC_SHA2_256.</summary>
    public string? PrfAlg => Raw.Get("prf-alg");

    /// <summary>The key exchange, e.g. ECP_256.</summary>
    public string? DhGroup => Raw.Get("dh-group");

    /// <summary>True when the local end is behind a NAT (nat-local).</summary>
    public bool NatLocal => Raw.Get("nat-local") == "yes";

    /// <summary>True when the remote end is behind a NAT (nat-remote).</summary>
    public bool NatRemote => Raw.Get("nat-remote") == "yes";

    /// <summary>Virtual IPs assigned to us.</summary>
    public IReadOnlyList<string> LocalVips => Raw.GetList("local-vips");

    /// <summary>Virtual IPs we assigned to the peer.</summary>
    public IReadOnlyList<string> RemoteVips => Raw.GetList("remote-vips");

    /// <summary>The first CHILD_SA of config <paramref name="name"/>, or null.</summary>
    public ChildSaStatus? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

    /// <summary>Every IKE SA in the output of <c>swanctl --list-sas --pretty</c>.</summary>
    public static IReadOnlyList<IkeSaStatus> ParseListSas(string prettyOutput)
    {
        var result = new List<IkeSaStatus>();
        foreach (ViciSection ev in ViciSection.ParsePretty(prettyOutput).Where(s => s.Name == "list-sa event"))
        {
            foreach (ViciSection ike in ev.Sections)
            {
                IReadOnlyList<ChildSaStatus> children = [.. (ike.Section("child-sas")?.Sections ?? []).Select(ChildSaStatus.From)];
                result.Add(new IkeSaStatus(ike.Name, ike.Get("state") ?? "", children, ike));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} {State} {(Initiator ? "initiator" : "responder")} {LocalHost}:{LocalPort} [{LocalId}] === {RemoteHost}:{RemotePort} [{RemoteId}] " +
        $"spis {InitiatorSpi}_i {ResponderSpi}_r {EncrAlg}/{EncrKeySize} {PrfAlg} {DhGroup}" +
        (LocalVips.Count > 0 ? $" local-vips {string.Join(',', LocalVips)}" : "") +
        (RemoteVips.Count > 0 ? $" remote-vips {string.Join(',', RemoteVips)}" : "") +
        string.Concat(Children.Select(c => "\n  " + c));
}
