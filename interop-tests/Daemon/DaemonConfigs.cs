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
    /// <c>halfOpenPerSource</c> the <c>ike.halfOpenPerSource</c> key (absent: the default).
    /// With <paramref name="tunAddress6"/> (a topology with IPv6, <see cref="NetnsTopology.AddIpv6Async"/>) the TUN device
    /// gets that IPv6 address too and the ends' IPv6 /64s join the selectors; with <paramref name="ipv6Underlay"/> IKE and
    /// ESP use the ends' IPv6 underlay addresses; <c>encapsulation</c> is the <c>ike.encapsulation</c> key, if any,
    /// <c>tunOffload</c> the <c>tun.offload</c> key (absent: the default).
    /// </summary>
    public static (string Directory, string Json) Write(TestCertificate certificate, NetnsEnd local, NetnsEnd remote, IPAddress tunAddress, bool initiate,
        string peerName, string policy = Policy, int halfOpenTimeoutSeconds = 30, string? policySection = null, bool nftables = true, string? events = null,
        int? halfOpenPerSource = null, IPAddress? tunAddress6 = null, bool ipv6Underlay = false, string? encapsulation = null, bool? tunOffload = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        IPAddress localUnderlay = ipv6Underlay ? local.Underlay6 ?? throw new ArgumentException("the topology has no IPv6", nameof(local)) : local.Underlay;
        IPAddress remoteUnderlay = ipv6Underlay ? remote.Underlay6 ?? throw new ArgumentException("the topology has no IPv6", nameof(remote)) : remote.Underlay;
        string localSubnets = tunAddress6 is null || local.InnerSubnet6 is null ? $"\"{local.InnerSubnet}\"" : $"\"{local.InnerSubnet}\", \"{local.InnerSubnet6}\"";
        string remoteSubnets = tunAddress6 is null || remote.InnerSubnet6 is null ? $"\"{remote.InnerSubnet}\"" : $"\"{remote.InnerSubnet}\", \"{remote.InnerSubnet6}\"";
        string tunAddresses = tunAddress6 is null ? $"\"{tunAddress}/32\"" : $"\"{tunAddress}/32\", \"{tunAddress6}/128\"";
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-daemon-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), policy);
        string encapsulationKey = encapsulation is null ? "" : $", \"encapsulation\": \"{encapsulation}\"";
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{localUnderlay}}", "halfOpenTimeoutSeconds": {{halfOpenTimeoutSeconds}}{{(halfOpenPerSource is { } n ? ", \"halfOpenPerSource\": " + n : "")}}{{encapsulationKey}} },
              "peers": [
                {
                  "name": "{{peerName}}",
                  "address": "{{remoteUnderlay}}",
                  "remoteId": "*.example.com",
                  "startAction": "{{(initiate ? "start" : "none")}}",
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "localSubnets": [ {{localSubnets}} ],
                  "remoteSubnets": [ {{remoteSubnets}} ]
                }
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400, {{(tunOffload is { } offload ? $"\"offload\": {(offload ? "true" : "false")}, " : "")}}"addresses": [ {{tunAddresses}} ] },
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
    /// A new temporary directory with <paramref name="certificate"/>'s files and the default policy, for
    /// <see cref="WithPeers"/> (whose text the test writes as <c>config.json</c> there, again for a reload).
    /// </summary>
    public static string NewDirectory(TestCertificate certificate)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-daemon-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), Policy);
        return dir;
    }

    /// <summary>
    /// A configuration for <paramref name="dir"/> (<see cref="NewDirectory"/>) with several peers, each a JSON object made
    /// by <see cref="PeerJson"/>, IKE on <paramref name="localUnderlay"/>, a TUN device with <paramref name="tunAddress"/>/32.
    /// </summary>
    public static string WithPeers(string dir, IPAddress localUnderlay, IPAddress tunAddress, params string[] peers) => $$"""
        {
          "identity": { "certificate": "cert.pem", "key": "key.pem" },
          "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
          "ike": { "localAddress": "{{localUnderlay}}" },
          "peers": [
            {{string.Join(",\n    ", peers)}}
          ],
          "tun": { "name": "{{Device}}", "mtu": 1400, "addresses": [ "{{tunAddress}}/32" ] },
          "policy": { "source": "policy.pol" },
          "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
          "logging": { "level": "debug" }
        }
        """;

    /// <summary>One peer of <see cref="WithPeers"/>: certificates (*.example.com), one subnet each way, <c>dpd.intervalSeconds</c> given.</summary>
    public static string PeerJson(string name, IPAddress address, string startAction, string localSubnet, string remoteSubnet, int dpdSeconds = 30) => $$"""
        { "name": "{{name}}", "address": "{{address}}", "remoteId": "*.example.com", "startAction": "{{startAction}}",
              "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ], "esp": [ "aes256gcm16" ],
              "localSubnets": [ "{{localSubnet}}" ], "remoteSubnets": [ "{{remoteSubnet}}" ], "dpd": { "intervalSeconds": {{dpdSeconds}} } }
        """;

    /// <summary>
    /// A telecommuter's laptop: one peer, the gateway at <paramref name="gateway"/>'s underlay address, started at once,
    /// asking for an inside address by CP, the gateway's inner /24 as the only remote subnet; a TUN device without an
    /// address of its own. <paramref name="dpdSeconds"/> is the liveness interval, <paramref name="dpdTimeoutSeconds"/>
    /// the time without an answer after which the gateway is dead. <paramref name="device"/>, <paramref name="remoteSubnet"/>
    /// (absent: the gateway's inner /24) and <paramref name="nftables"/> let several laptops share one namespace.
    /// </summary>
    /// <remarks>With <paramref name="ipv6"/> the laptop asks for an IPv6 address too and the gateway's IPv6 /64 is a remote subnet as well.</remarks>
    public static (string Directory, string Json) WriteLaptop(TestCertificate certificate, NetnsEnd local, NetnsEnd gateway, int dpdSeconds = 30, int dpdTimeoutSeconds = 150,
        string device = Device, string? remoteSubnet = null, bool nftables = true, bool ipv6 = false)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        string remoteSubnets = ipv6 ? $"\"{remoteSubnet ?? gateway.InnerSubnet}\", \"{gateway.InnerSubnet6 ?? throw new ArgumentException("the topology has no IPv6", nameof(gateway))}\""
            : $"\"{remoteSubnet ?? gateway.InnerSubnet}\"";
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
                  "requestAddress6": {{(ipv6 ? "true" : "false")}},
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "remoteSubnets": [ {{remoteSubnets}} ],
                  "dpd": { "intervalSeconds": {{dpdSeconds}}, "timeoutSeconds": {{dpdTimeoutSeconds}} }
                }
              ],
              "tun": { "name": "{{device}}", "mtu": 1400 },
              "policy": { "source": "policy.pol" },
              "firewall": { "nftables": {{(nftables ? "true" : "false")}} },
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
    /// <remarks>
    /// With <paramref name="pool6"/> (and <paramref name="dns6"/>) the peer gets a second pool, IPv6, as <c>pool6</c>; the
    /// gateway's IPv6 /64 joins its local subnets and <paramref name="tunAddress6"/>/128 its TUN device.
    /// </remarks>
    public static (string Directory, string Json) WriteGateway(TestCertificate certificate, NetnsEnd local, IPAddress tunAddress, string pool, IPAddress dns,
        string? pool6 = null, IPAddress? dns6 = null, IPAddress? tunAddress6 = null) =>
        WriteGateway(certificate, local, tunAddress, [new GatewayPeer("laptops", "*.example.com", pool, pool6)], dns, dns6, tunAddress6);

    /// <summary>
    /// A gateway with several responder-only peers (any address), each with its own <c>remoteId</c> and its own pool
    /// (named after the peer, with DNS server <paramref name="dns"/>), the gateway's inner /24 as their local subnet,
    /// a TUN device with <paramref name="tunAddress"/>/32. The peer answering IKE_SA_INIT is the first; at IKE_AUTH
    /// the initiator's IDi chooses among them (RFC 7296 2.15). A peer with an IPv6 pool (<see cref="GatewayPeer.Pool6"/>,
    /// named after the peer with a 6, DNS server <paramref name="dns6"/>) has the gateway's IPv6 /64 as a local subnet too,
    /// and <paramref name="tunAddress6"/>/128 goes on the TUN device.
    /// </summary>
    public static (string Directory, string Json) WriteGateway(TestCertificate certificate, NetnsEnd local, IPAddress tunAddress, IReadOnlyList<GatewayPeer> peers, IPAddress dns,
        IPAddress? dns6 = null, IPAddress? tunAddress6 = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(peers);
        string tunAddresses = tunAddress6 is null ? $"\"{tunAddress}/32\"" : $"\"{tunAddress}/32\", \"{tunAddress6}/128\"";
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-gateway-").FullName;
        certificate.WritePlainFiles(dir);
        File.WriteAllText(Path.Combine(dir, "policy.pol"), Policy);
        string pools = string.Join(", ", peers.Select(p => $$"""{ "name": "{{p.Name}}", "prefix": "{{p.Pool}}", "dns": [ "{{dns}}" ] }"""
            + (p.Pool6 is null ? "" : $$""", { "name": "{{p.Name}}6", "prefix": "{{p.Pool6}}", "dns": [ {{(dns6 is null ? "" : $"\"{dns6}\"")}} ] }""")));
        string entries = string.Join(",\n", peers.Select(p => $$"""
                {
                  "name": "{{p.Name}}",
                  "remoteId": "{{p.RemoteId}}",
                  "pool": "{{p.Name}}",{{(p.Pool6 is null ? "" : $"\n      \"pool6\": \"{p.Name}6\",")}}
                  "ike": [ "aes256gcm16-prfsha384-prfsha256-x25519-ecp256" ],
                  "esp": [ "aes256gcm16" ],
                  "localSubnets": [ "{{local.InnerSubnet}}"{{(p.Pool6 is null ? "" : $", \"{local.InnerSubnet6}\"")}} ]
                }
            """));
        string json = $$"""
            {
              "identity": { "certificate": "cert.pem", "key": "key.pem" },
              "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
              "ike": { "localAddress": "{{local.Underlay}}" },
              "pools": [ {{pools}} ],
              "peers": [
            {{entries}}
              ],
              "tun": { "name": "{{Device}}", "mtu": 1400, "addresses": [ {{tunAddresses}} ] },
              "policy": { "source": "policy.pol" },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }
}
