namespace IpsecFw.Ike.Messages;

/// <summary>A decode failure: what went wrong, where (offset from the start of the IKE header), and a detail value.</summary>
/// <param name="Error">The kind of failure.</param>
/// <param name="Offset">Byte offset from the start of the IKE header at which the offending structure starts.</param>
/// <param name="Detail">For <see cref="IkeDecodeError.UnsupportedCriticalPayload"/>, the payload type; otherwise 0.</param>
public readonly record struct IkeDecodeFailure(IkeDecodeError Error, int Offset, int Detail = 0)
{
    /// <summary>No failure.</summary>
    public static IkeDecodeFailure None => default;

    /// <summary>The same failure moved by <paramref name="delta"/> bytes (body-relative to message-relative).</summary>
    public IkeDecodeFailure Rebase(int delta) => this with { Offset = Offset + delta };
}
