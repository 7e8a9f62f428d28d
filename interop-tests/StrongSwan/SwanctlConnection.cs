namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>An IKE connection (<c>connections.&lt;name&gt;</c> in swanctl.conf). Null settings are left to strongSwan.</summary>
/// <param name="Name">The connection's name (<c>swanctl --initiate --ike</c>).</param>
/// <param name="Local">The local authentication round.</param>
/// <param name="Remote">The remote authentication round.</param>
public sealed record SwanctlConnection(string Name, SwanctlAuth Local, SwanctlAuth Remote)
{
    /// <summary><c>local_addrs</c>.</summary>
    public string LocalAddrs { get; init; } = "%any";

    /// <summary><c>remote_addrs</c>.</summary>
    public string RemoteAddrs { get; init; } = "%any";

    /// <summary>IKE <c>proposals</c>.</summary>
    public string Proposals { get; init; } = "aes256gcm16-prfsha256-ecp256";

    /// <summary><c>rekey_time</c> of the IKE SA.</summary>
    public string? RekeyTime { get; init; }

    /// <summary><c>reauth_time</c> (0: never reauthenticate).</summary>
    public string? ReauthTime { get; init; } = "0";

    /// <summary><c>dpd_delay</c>, e.g. <c>5s</c>.</summary>
    public string? DpdDelay { get; init; }

    /// <summary><c>encap</c>: force UDP encapsulation (kernel-libipsec always encapsulates anyway).</summary>
    public bool? Encap { get; init; }

    /// <summary><c>mobike</c>.</summary>
    public bool Mobike { get; init; }

    /// <summary><c>vips</c>: virtual IPs to request, e.g. <c>0.0.0.0</c>.</summary>
    public string? Vips { get; init; }

    /// <summary><c>pools</c>: pool names to hand out virtual IPs from (see <see cref="SwanctlPool"/>).</summary>
    public string? Pools { get; init; }

    /// <summary><c>unique</c>: no, never, keep or replace.</summary>
    public string? Unique { get; init; }

    /// <summary>The CHILD_SA configurations.</summary>
    public IReadOnlyList<SwanctlChild> Children { get; init; } = [];

    /// <summary>Any other connection setting, written as <c>key = value</c>.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    internal void Render(SwanctlWriter w)
    {
        w.Open(Name);
        w.Value("version", "2");
        w.Value("local_addrs", LocalAddrs);
        w.Value("remote_addrs", RemoteAddrs);
        w.Value("proposals", Proposals);
        w.Value("rekey_time", RekeyTime);
        w.Value("reauth_time", ReauthTime);
        w.Value("dpd_delay", DpdDelay);
        w.Value("encap", Encap is null ? null : Encap.Value ? "yes" : "no");
        w.Value("mobike", Mobike ? "yes" : "no");
        w.Value("vips", Vips);
        w.Value("pools", Pools);
        w.Value("unique", Unique);
        foreach (KeyValuePair<string, string> kv in Extra)
        {
            w.Value(kv.Key, kv.Value);
        }

        Local.Render(w, "local");
        Remote.Render(w, "remote");
        w.Open("children");
        foreach (SwanctlChild child in Children)
        {
            child.Render(w);
        }

        w.Close();
        w.Close();
    }
}
