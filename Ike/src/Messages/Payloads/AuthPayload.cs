namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.8
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Auth Method   |                RESERVED                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                      Authentication Data                      ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Authentication payload (RFC 7296 3.8).</summary>
public sealed class AuthPayload(AuthMethod method, byte[] data) : IkePayload
{
    /// <summary>Offset of the Authentication Data in the body.</summary>
    public const int DataOffset = 4;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Authentication;

    /// <summary>The authentication method.</summary>
    public AuthMethod Method { get; } = method;

    /// <summary>The authentication data (signature or MAC; for method 14 prefixed by the RFC 7427 AlgorithmIdentifier).</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => DataOffset + Data.Length;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out AuthPayload payload, out IkeDecodeFailure failure)
    {
        if (body.Length < DataOffset)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        payload = new AuthPayload((AuthMethod)body[0], body[DataOffset..].ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = GetBodyLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        destination[..DataOffset].Clear();
        destination[0] = (byte)Method;
        Data.CopyTo(destination[DataOffset..]);
        return true;
    }
}
