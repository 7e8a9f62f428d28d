using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The CP payload body (<see cref="ConfigurationPayload.TryRead"/>, <see cref="ConfigurationAttribute"/>): the input is
/// the body. A decoded payload must re-encode, decode again to equal attributes, and re-encode to the same bytes; a
/// rejection must point inside the body.
/// </summary>
internal sealed class ConfigurationPayloadFuzzer : IFuzzer
{
    public string Name => "ConfigurationPayload";

    public string Description => "Ike: ConfigurationPayload.TryRead, re-encode, decode again";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (!ConfigurationPayload.TryRead(input, out ConfigurationPayload payload, out IkeDecodeFailure failure))
        {
            if (failure.Offset < 0 || failure.Offset > input.Length || failure.Error == IkeDecodeError.None)
            {
                throw new FuzzInvariantException($"rejection {failure.Error} at {failure.Offset} of a {input.Length}-byte body");
            }

            return;
        }

        byte[] first = Encode(payload);
        if (first.Length != input.Length)
        {
            throw new FuzzInvariantException($"a {input.Length}-byte CP body re-encodes to {first.Length} bytes");
        }

        if (!ConfigurationPayload.TryRead(first, out ConfigurationPayload again, out IkeDecodeFailure second))
        {
            throw new FuzzInvariantException($"re-encoded CP body does not decode: {second.Error} at {second.Offset}");
        }

        if (again.ConfigurationType != payload.ConfigurationType || !again.Attributes.SequenceEqual(payload.Attributes))
        {
            throw new FuzzInvariantException("CP round trip changed the type or the attributes");
        }

        if (!Encode(again).AsSpan().SequenceEqual(first))
        {
            throw new FuzzInvariantException("CP encoding is not stable");
        }
    }

    private static byte[] Encode(ConfigurationPayload payload)
    {
        byte[] encoded = new byte[payload.GetBodyLength()];
        if (!payload.TryWriteBody(encoded, out int written) || written != encoded.Length)
        {
            throw new FuzzInvariantException($"a decoded CP payload does not encode ({written} of {encoded.Length} bytes)");
        }

        return encoded;
    }
}
