using System.Net;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The TSi/TSr payload body (<see cref="TsPayload.TryRead"/>, <see cref="TrafficSelector"/>), then what the engine
/// does with accepted selectors: narrowing against a fixed local policy (<see cref="SelectorNarrowing"/>) and the
/// conversion to prefixes (<see cref="TrafficSelectorPrefixes"/>). Byte 0 bit 0 chooses TSi or TSr; the rest is the
/// payload body. A decoded body must re-encode to the same bytes (RESERVED cleared); a rejection must point inside it.
/// </summary>
internal sealed class TrafficSelectorsFuzzer : IFuzzer
{
    private static readonly TrafficSelector[] Allowed =
    [
        new(TsType.Ipv4AddressRange, 0, 0, 65535, IPAddress.Parse("198.18.0.0"), IPAddress.Parse("198.19.255.255")),
        new(TsType.Ipv4AddressRange, 6, 443, 443, IPAddress.Parse("198.18.1.0"), IPAddress.Parse("198.18.1.255")),
        new(TsType.Ipv6AddressRange, 17, 500, 4500, IPAddress.Parse("2001:2::"), IPAddress.Parse("2001:2::ffff")),
    ];

    public string Name => "TrafficSelectors";

    public string Description => "Ike: TsPayload.TryRead, re-encode, SelectorNarrowing, TrafficSelectorPrefixes";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        bool initiator = (input[0] & 1) != 0;
        ReadOnlySpan<byte> body = input[1..];
        if (!TsPayload.TryRead(body, initiator, out TsPayload payload, out IkeDecodeFailure failure))
        {
            if (failure.Offset < 0 || failure.Offset > body.Length || failure.Error == IkeDecodeError.None)
            {
                throw new FuzzInvariantException($"rejection {failure.Error} at {failure.Offset} of a {body.Length}-byte body");
            }

            return;
        }

        byte[] encoded = new byte[payload.GetBodyLength()];
        if (!payload.TryWriteBody(encoded, out int written) || written != body.Length)
        {
            throw new FuzzInvariantException($"a decoded TS payload of {body.Length} bytes does not re-encode ({written} written)");
        }

        byte[] expected = body.ToArray();
        expected.AsSpan(1, 3).Clear();
        if (!encoded.AsSpan().SequenceEqual(expected))
        {
            throw new FuzzInvariantException($"TS round trip changed the bytes: {Convert.ToHexString(body)} -> {Convert.ToHexString(encoded)}");
        }

        foreach (TrafficSelector selector in payload.Selectors)
        {
            _ = TrafficSelectorPrefixes.ToNetworks(selector);
            foreach (TrafficSelector allowed in Allowed)
            {
                if (SelectorNarrowing.TryIntersect(selector, allowed, out TrafficSelector? both) &&
                    (both.StartPort < Math.Max(selector.StartPort, allowed.StartPort) || both.EndPort > Math.Min(selector.EndPort, allowed.EndPort)))
                {
                    throw new FuzzInvariantException($"intersection {both} is wider than {selector} or {allowed}");
                }
            }
        }

        _ = SelectorNarrowing.Intersect(payload.Selectors, Allowed);
    }
}
