using System.Text;

namespace IpsecFw.Host.Demo;

/// <summary>
/// Writes one organisation host's directory for <c>ipsecfw run</c> (docs/configuration.md): its certificate and key,
/// the CA as the only trust anchor, the signer's public key, the first bundle, and <c>config.json</c>.
/// <para>
/// Peers, mesh-wise: every host answers any <c>*.example.com</c> certificate with the peer <c>org</c> (no address, so
/// it is the responder configuration), and starts an SA (<c>startAction: start</c>) to every daemon after it in
/// <see cref="DemoCast.Daemons"/>, so each pair has exactly one initiator. The selectors are the two overlay addresses
/// (198.19.0.N/32); the TUN device holds this host's, with routes to the others'. What may cross an SA is the
/// policy's business, not the selectors'.
/// </para>
/// </summary>
internal static class DemoHostFiles
{
    /// <summary>The responder peer's name.</summary>
    public const string ResponderPeer = "org";

    /// <summary>The overlay prefix every responder accepts selectors from.</summary>
    public const string OverlayPrefix = "198.19.0.0/24";

    public static void Write(string directory, DemoHost host, IReadOnlyList<DemoHost> daemons, string certificatePem, string keyPem, string caPem,
        string signerPublicKey, ReadOnlySpan<byte> firstBundle)
    {
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(Path.Combine(directory, "state"));
        File.WriteAllText(Path.Combine(directory, "cert.pem"), certificatePem);
        WritePrivate(Path.Combine(directory, "key.pem"), keyPem);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), caPem);
        File.WriteAllText(Path.Combine(directory, "signer.pub"), signerPublicKey);
        File.WriteAllBytes(Path.Combine(directory, "policy.bundle"), firstBundle.ToArray());
        File.WriteAllText(Path.Combine(directory, "config.json"), Config(directory, host, daemons));
    }

    /// <summary>The configuration text of <paramref name="host"/>.</summary>
    public static string Config(string directory, DemoHost host, IReadOnlyList<DemoHost> daemons)
    {
        var peers = new StringBuilder();
        peers.Append(Peer(ResponderPeer, null, "none", host, OverlayPrefix));
        foreach (DemoHost other in daemons.SkipWhile(d => d != host).Skip(1))
        {
            peers.Append(",\n").Append(Peer(other.Key, other.Underlay.ToString(), "start", host, $"{other.Overlay}/32"));
        }

        return $$"""
            {
              // ipsecfw demo: {{host.Label}} ({{host.CertificateName}})
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{host.Underlay}}" },
              "peers": [
            {{peers}}
              ],
              "tun": { "name": "ipsecfw0", "mtu": 1400, "addresses": [ "{{host.Overlay}}/32" ] },
              "policy": { "bundle": "policy.bundle", "signerKey": "signer.pub", "stateDirectory": "state" },
              "control": { "socket": "{{Path.Combine(directory, "run", "control.sock")}}" },
              "logging": { "level": "information" }
            }

            """;
    }

    private static string Peer(string name, string? address, string startAction, DemoHost self, string remoteSubnet) => $$"""
            {
              "name": "{{name}}",{{(address is null ? "" : $"\n      \"address\": \"{address}\",")}}
              "remoteId": "*.example.com",
              "startAction": "{{startAction}}",
              "ike": [ "aes256gcm16-prfsha384-x25519" ],
              "esp": [ "aes256gcm16" ],
              "localSubnets": [ "{{self.Overlay}}/32" ],
              "remoteSubnets": [ "{{remoteSubnet}}" ]
            }
        """;

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(text));
    }
}
