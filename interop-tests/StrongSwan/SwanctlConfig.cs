namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// What one strongSwan instance loads: its swanctl.conf (connections, secrets, pools) and its credential files. Rendered
/// by <see cref="StrongSwanInstance"/> into its own swanctl directory. Immutable; derive variants with <c>with</c>.
/// </summary>
public sealed record SwanctlConfig
{
    /// <summary>The connection name <see cref="NetToNet"/> uses.</summary>
    public const string DefaultConnection = "lab";

    /// <summary>The child name <see cref="NetToNet"/> uses.</summary>
    public const string DefaultChild = "net";

    /// <summary>The connections.</summary>
    public IReadOnlyList<SwanctlConnection> Connections { get; init; } = [];

    /// <summary>Shared secrets (PSK).</summary>
    public IReadOnlyList<SwanctlSecret> Secrets { get; init; } = [];

    /// <summary>Virtual IP pools.</summary>
    public IReadOnlyList<SwanctlPool> Pools { get; init; } = [];

    /// <summary>Credential files (x509ca/, x509/, private/, x509crl/), e.g. from <see cref="TestPki.SwanctlFiles"/>.</summary>
    public IReadOnlyList<SwanctlFile> Files { get; init; } = [];

    /// <summary>The single connection (throws if there are several).</summary>
    public SwanctlConnection Connection => Connections.Single();

    /// <summary>
    /// The usual scenario: connection <c>lab</c> from <paramref name="local"/>'s underlay address to
    /// <paramref name="remote"/>'s, child <c>net</c> tunnelling local's inner /24 to remote's, with the given
    /// authentication rounds and strongSwan's defaults otherwise (AES-GCM-256, PRF SHA-256, ECP-256; ESP AES-GCM-256).
    /// <paramref name="remoteAddrs"/> overrides the remote address (e.g. <c>%any</c> on a responder behind which a NAT sits).
    /// </summary>
    public static SwanctlConfig NetToNet(NetnsEnd local, NetnsEnd remote, SwanctlAuth localAuth, SwanctlAuth remoteAuth, string? remoteAddrs = null) => new()
    {
        Connections =
        [
            new SwanctlConnection(DefaultConnection, localAuth, remoteAuth)
            {
                LocalAddrs = local.Underlay.ToString(),
                RemoteAddrs = remoteAddrs ?? remote.Underlay.ToString(),
                Children = [new SwanctlChild(DefaultChild, local.InnerSubnet, remote.InnerSubnet)],
            },
        ],
    };

    /// <summary>A copy whose single connection is changed by <paramref name="change"/>.</summary>
    public SwanctlConfig WithConnection(Func<SwanctlConnection, SwanctlConnection> change) =>
        this with { Connections = [change(Connection)] };

    /// <summary>A copy whose single connection's single child is changed by <paramref name="change"/>.</summary>
    public SwanctlConfig WithChild(Func<SwanctlChild, SwanctlChild> change) =>
        WithConnection(c => c with { Children = [change(c.Children.Single())] });

    /// <summary>A copy with these credential files (e.g. <see cref="TestPki.SwanctlFiles"/>).</summary>
    public SwanctlConfig WithFiles(IReadOnlyList<SwanctlFile> files) => this with { Files = files };

    /// <summary>A copy with these shared secrets.</summary>
    public SwanctlConfig WithSecrets(params SwanctlSecret[] secrets) => this with { Secrets = secrets };

    /// <summary>A copy with these virtual IP pools.</summary>
    public SwanctlConfig WithPools(params SwanctlPool[] pools) => this with { Pools = pools };

    /// <summary>The text of swanctl.conf.</summary>
    public string Render()
    {
        var w = new SwanctlWriter();
        w.Raw("# rendered by IpsecFw.InteropTests.StrongSwan.SwanctlConfig");
        w.Open("connections");
        foreach (SwanctlConnection connection in Connections)
        {
            connection.Render(w);
        }

        w.Close();
        w.Open("secrets");
        for (int i = 0; i < Secrets.Count; i++)
        {
            Secrets[i].Render(w, $"ike-{i + 1}");
        }

        w.Close();
        w.Open("pools");
        foreach (SwanctlPool pool in Pools)
        {
            pool.Render(w);
        }

        w.Close();
        return w.ToString();
    }
}
