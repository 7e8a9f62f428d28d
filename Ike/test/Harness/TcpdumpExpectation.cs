using System.Globalization;
using System.Text.RegularExpressions;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Tests.Harness;

/// <summary>One top-level payload as tcpdump -v prints it: "(sa[C]: len=240".</summary>
internal sealed record TcpdumpPayload(PayloadType Type, bool Critical, int? Length);

/// <summary>What tcpdump printed for one IKEv2 message: header fields and the top-level payloads.</summary>
internal sealed partial record TcpdumpExpectation(uint MessageId, ulong InitiatorSpi, ulong ResponderSpi, ExchangeType Exchange, string Flags, List<TcpdumpPayload> Payloads)
{
    private static readonly Dictionary<string, PayloadType> s_names = new()
    {
        ["sa"] = PayloadType.SecurityAssociation,
        ["v2ke"] = PayloadType.KeyExchange,
        ["v2IDi"] = PayloadType.IdentificationInitiator,
        ["v2IDr"] = PayloadType.IdentificationResponder,
        ["v2cert"] = PayloadType.Certificate,
        ["v2cr"] = PayloadType.CertificateRequest,
        ["v2auth"] = PayloadType.Authentication,
        ["nonce"] = PayloadType.Nonce,
        ["n"] = PayloadType.Notify,
        ["v2vid"] = PayloadType.VendorId,
        ["v2e"] = PayloadType.Encrypted,
    };

    private static readonly Dictionary<string, ExchangeType> s_exchanges = new()
    {
        ["ikev2_init"] = ExchangeType.IkeSaInit,
        ["ikev2_auth"] = ExchangeType.IkeAuth,
        ["child_sa"] = ExchangeType.CreateChildSa,
        ["inf2"] = ExchangeType.Informational,
    };

    [GeneratedRegex(@"isakmp 2\.0 msgid ([0-9a-f]{8}) cookie ([0-9a-f]{16})->([0-9a-f]{16}): \S+\s+(\S+)\[([IVR]*)\]")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^    \((\w+)(\[C\])?:(?: len=(\d+))?")]
    private static partial Regex PayloadLine();

    public static List<TcpdumpExpectation> Parse(string path)
    {
        var result = new List<TcpdumpExpectation>();
        foreach (string line in File.ReadLines(path))
        {
            Match header = HeaderLine().Match(line);
            if (header.Success)
            {
                result.Add(new TcpdumpExpectation(
                    uint.Parse(header.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(header.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(header.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    s_exchanges[header.Groups[4].Value],
                    header.Groups[5].Value,
                    []));
                continue;
            }

            Match payload = PayloadLine().Match(line);
            if (payload.Success && result.Count > 0)
            {
                result[^1].Payloads.Add(new TcpdumpPayload(
                    s_names[payload.Groups[1].Value],
                    payload.Groups[2].Success,
                    payload.Groups[3].Success ? int.Parse(payload.Groups[3].Value, CultureInfo.InvariantCulture) : null));
            }
        }

        return result;
    }
}
