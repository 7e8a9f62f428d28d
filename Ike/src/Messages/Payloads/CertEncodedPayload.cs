namespace IpsecFw.Ike.Messages.Payloads;

/// <summary>
/// A payload whose body is a Cert Encoding octet followed by opaque data: the Certificate payload (RFC 7296 3.6) and
/// the Certificate Request payload (RFC 7296 3.7) share this layout; what the data means is theirs to say.
/// </summary>
public abstract class CertEncodedPayload(CertEncoding encoding, byte[] encodedData) : IkePayload
{
    /// <summary>The certificate encoding.</summary>
    public CertEncoding Encoding { get; } = encoding;

    /// <summary>The data after the encoding octet, as received or to be sent.</summary>
    protected byte[] EncodedData { get; } = encodedData;

    /// <inheritdoc/>
    public sealed override int GetBodyLength() => 1 + EncodedData.Length;

    /// <inheritdoc/>
    public sealed override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = GetBodyLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)Encoding;
        EncodedData.CopyTo(destination[1..]);
        return true;
    }

    /// <summary>Splits a body into its encoding octet and a copy of the data; an empty body is truncated.</summary>
    protected static bool TrySplitBody(ReadOnlySpan<byte> body, out CertEncoding encoding, out byte[] data, out IkeDecodeFailure failure)
    {
        if (body.IsEmpty)
        {
            encoding = default;
            data = [];
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        encoding = (CertEncoding)body[0];
        data = body[1..].ToArray();
        failure = default;
        return true;
    }
}
