using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests;

/// <summary>A host in a test scenario: an address, and a certificate identity when it takes part in the firewall.</summary>
internal sealed record TestHost(string Label, IPAddress Address, PeerIdentity? Identity)
{
    public static TestHost WithCertificate(string cn, string address, DateTimeOffset notBefore) =>
        new(cn, IPAddress.Parse(address), new PeerIdentity
        {
            SubjectDn = $"CN={cn},O=Example",
            CommonName = cn,
            DnsNames = [cn],
            IssuerDn = "CN=Example CA,O=Example",
            SerialHex = "01",
            NotBefore = notBefore,
            NotAfter = notBefore.AddYears(2),
        });

    public static TestHost Anonymous(string address) => new(address, IPAddress.Parse(address), null);

    public override string ToString() => Label;
}
