using System.Runtime.CompilerServices;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The 256-bit ChaCha20 key as eight little-endian 32-bit words, state words 4 to 11 (RFC 8439 section 2.3).
/// Inline storage, so the owner can zero it in place.
/// </summary>
[InlineArray(Count)]
internal struct ChaCha20Key
{
    /// <summary>Words in the key.</summary>
    public const int Count = 8;

    private uint _element;
}
