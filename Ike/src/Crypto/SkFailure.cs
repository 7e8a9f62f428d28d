using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Crypto;

/// <summary>The outcome of unprotecting a message: the SK error and, for decode errors, where the codec stopped.</summary>
/// <param name="Error">What went wrong.</param>
/// <param name="Decode">
/// For <see cref="SkError.MalformedMessage"/> and <see cref="SkError.MalformedInnerPayloads"/>, the codec's failure (offsets
/// of inner payloads are from the start of the decrypted content); otherwise <see cref="IkeDecodeFailure.None"/>.
/// </param>
public readonly record struct SkFailure(SkError Error, IkeDecodeFailure Decode = default)
{
    /// <summary>No failure.</summary>
    public static SkFailure None => default;
}
