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

    /// <summary>Writes the credentials and policy into a new temporary directory and returns it with the configuration text.</summary>
    public static (string Directory, string Json) Write(TestCertificate certificate, NetnsEnd local, NetnsEnd remote, IPAddress tunAddress, bool initiate,
        string peerName, string policy = Policy, int halfOpenTimeoutSeconds = 30)
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
              "tun": { "name": "{{Device}}", "mtu": 1400, "addresses": [ "{{tunAddress}}/32" ] },
              "policy": { "source": "policy.pol" },
              "control": { "socket": "{{Path.Combine(dir, "run", "control.sock")}}" },
              "logging": { "level": "debug" }
            }
            """;
        return (dir, json);
    }
}
