using System.Net;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The configuration files of the daemon scenarios: one peer (the other end of the topology), certificates from a
/// <see cref="TestPki"/>, the ends' inner /24s as selectors, a TUN device with one /32 from the overlay, and a policy
/// (by default one that lets every host of the test PKI call every other).
/// </summary>
[SupportedOSPlatform("linux")]
internal static class DaemonConfigs
{
    /// <summary>The TUN device name in both namespaces.</summary>
    public const string Device = "ipsecfw0";

    /// <summary>
    /// Any certificate of the test PKI (they are all *.example.com) may call any other, both ways. The destination is
    /// <c>hosts</c>, not <c>*</c>: <c>*</c> never binds the enforcing host, so <c>*(hosts, *)</c> would let a host call
    /// out but let no host accept (the data path enforces the policy per packet).
    /// </summary>
    public const string Policy = """
        hosts = x509{name="*.example.com"};
        allow *(hosts, hosts);
        """;

    /// <summary>
    /// Writes the credentials and policy into a new temporary directory and returns it with the configuration text.
    /// <c>policySection</c> is the JSON object of the <c>policy</c> key (absent: <c>{ "source": "policy.pol" }</c>),
    /// <c>nftables</c> the <c>firewall.nftables</c> key, <c>events</c> the JSON object of the <c>events</c> section, if any,
    /// <c>tunOffload</c> the <c>tun.offload</c> key (absent: the default).
    /// </summary>
    public static (string Directory, string Json) Write(TestCertificate certificate, NetnsEnd local, NetnsEnd remote, IPAddress tunAddress, bool initiate,
        string peerName, string policy = Policy, int halfOpenTimeoutSeconds = 30, string? policySection = null, bool nftables = true, string? events = null,
        bool? tunOffload = null)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-daemon-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), policy);
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{local.Underlay}}", "halfOpenTimeoutSeconds": {{halfOpenTimeoutSeconds}} },
              "peers": [
                {
                  "name": "{{peerName}}",
                  "address": "{{remote.Underlay}}",
                  "remoteId": "*.example.com",
                  "startAction": "{{(initiate ? "start" : "none")}}",
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "localSubnets": [ "{{local.InnerSubnet}}" ],
                  "remoteSubnets": [ "{{remote.InnerSubnet}}" ]
                }
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400, {{(tunOffload is { } offload ? $"\"offload\": {(offload ? "true" : "false")}, " : "")}}"addresses": [ "{{tunAddress}}/32" ] },
              "policy": {{policySection ?? """{ "source": "policy.pol" }"""}},
              "firewall": { "nftables": {{(nftables ? "true" : "false")}} },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },{{(events is null ? "" : "\n  \"events\": " + events + ",")}}
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }

    /// <summary>
    /// Like <see cref="Write"/>, with the peer's <paramref name="startAction"/> (<c>none</c>, <c>trap</c>, <c>start</c>),
    /// <c>protectPeerAddress</c>, the subnets (empty: the two hosts' own addresses are the selectors) and
    /// <c>dpd.timeoutSeconds</c> given.
    /// </summary>
    public static (string Directory, string Json) WritePeer(TestCertificate certificate, NetnsEnd local, NetnsEnd remote, IPAddress tunAddress,
        string startAction, string peerName, bool protectPeerAddress, IReadOnlyList<string> localSubnets, IReadOnlyList<string> remoteSubnets,
        int dpdTimeoutSeconds = 150)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-daemon-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), Policy);
        static string List(IReadOnlyList<string> items) => string.Join(", ", items.Select(i => $"\"{i}\""));
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{local.Underlay}}" },
              "peers": [
                {
                  "name": "{{peerName}}",
                  "address": "{{remote.Underlay}}",
                  "remoteId": "*.example.com",
                  "startAction": "{{startAction}}",
                  "protectPeerAddress": {{(protectPeerAddress ? "true" : "false")}},
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "localSubnets": [ {{List(localSubnets)}} ],
                  "remoteSubnets": [ {{List(remoteSubnets)}} ],
                  "dpd": { "intervalSeconds": {{Math.Min(30, dpdTimeoutSeconds)}}, "timeoutSeconds": {{dpdTimeoutSeconds}} }
                }
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400, "addresses": [ "{{tunAddress}}/32" ] },
              "policy": { "source": "policy.pol" },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }

    /// <summary>
    /// A telecommuter's laptop: one peer, the gateway at <paramref name="gateway"/>'s underlay address, started at once,
    /// asking for an inside address by CP, the gateway's inner /24 as the only remote subnet; a TUN device without an
    /// address of its own. <paramref name="dpdSeconds"/> is the liveness interval, <paramref name="dpdTimeoutSeconds"/>
    /// the time without an answer after which the gateway is dead.
    /// </summary>
    public static (string Directory, string Json) WriteLaptop(TestCertificate certificate, NetnsEnd local, NetnsEnd gateway, int dpdSeconds = 30, int dpdTimeoutSeconds = 150)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-laptop-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), Policy);
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{local.Underlay}}" },
              "peers": [
                {
                  "name": "office",
                  "address": "{{gateway.Underlay}}",
                  "remoteId": "*.example.com",
                  "startAction": "start",
                  "requestAddress": true,
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "remoteSubnets": [ "{{gateway.InnerSubnet}}" ],
                  "dpd": { "intervalSeconds": {{dpdSeconds}}, "timeoutSeconds": {{dpdTimeoutSeconds}} }
                }
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400 },
              "policy": { "source": "policy.pol" },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }

    /// <summary>
    /// The office gateway: one responder-only peer (any address) given addresses from pool <paramref name="pool"/>
    /// with DNS server <paramref name="dns"/>, the gateway's inner /24 as its local subnet, a TUN device with
    /// <paramref name="tunAddress"/>/32.
    /// </summary>
    public static (string Directory, string Json) WriteGateway(TestCertificate certificate, NetnsEnd local, IPAddress tunAddress, string pool, IPAddress dns)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-gateway-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), Policy);
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{local.Underlay}}" },
              "pools": [ { "name": "laptops", "prefix": "{{pool}}", "dns": [ "{{dns}}" ] } ],
              "peers": [
                {
                  "name": "laptops",
                  "remoteId": "*.example.com",
                  "pool": "laptops",
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "localSubnets": [ "{{local.InnerSubnet}}" ]
                }
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400, "addresses": [ "{{tunAddress}}/32" ] },
              "policy": { "source": "policy.pol" },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }
}
