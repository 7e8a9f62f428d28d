using IpsecFw.Ike.Messages;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The IKE message codec (<see cref="IkeMessage.TryDecode"/>): header, payload chain and every payload decoder that
/// runs on an unprotected message (SA proposals and transforms, KE, nonce, notify, ID, CERT, TS, CP, ...). The input is
/// one UDP/500 datagram (or a UDP/4500 one behind the non-ESP marker). A decoded message is then checked against the
/// exchange rules (<see cref="MessageRules.Check"/>) and re-encoded; what we write we must be able to read back.
/// </summary>
internal sealed class IkeMessageDecodeFuzzer : IFuzzer
{
    public string Name => "IkeMessageDecode";

    public string Description => "Ike: IkeMessage.TryDecode, MessageRules.Check, re-encode and decode again";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (!IkeMessage.TryDecode(input, out IkeMessage message, out IkeDecodeFailure failure))
        {
            if (failure.Offset < 0 || failure.Offset > input.Length)
            {
                throw new FuzzInvariantException($"failure offset {failure.Offset} outside a {input.Length}-byte datagram ({failure.Error})");
            }

            return;
        }

        _ = MessageRules.Check(message);
        _ = message.Encrypted;

        int length = message.GetSerializedLength();
        if (length > Limits.MaxMessageLength)
        {
            return;
        }

        byte[] encoded = new byte[length];
        if (!message.TryEncode(encoded, out int written))
        {
            return;
        }

        if (!IkeMessage.TryDecode(encoded.AsSpan(0, written), out IkeMessage again, out IkeDecodeFailure second))
        {
            throw new FuzzInvariantException(
                $"a decoded message re-encodes to {written} bytes that do not decode: {second.Error} at {second.Offset} ({second.Detail}): {Convert.ToHexString(encoded, 0, written)}");
        }

        if (again.Payloads.Count != message.Payloads.Count)
        {
            throw new FuzzInvariantException($"round trip changed the payload count from {message.Payloads.Count} to {again.Payloads.Count}");
        }
    }
}
