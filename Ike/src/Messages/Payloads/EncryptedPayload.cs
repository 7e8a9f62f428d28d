namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.14
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Initialization Vector                     |
// |         (length is block size for encryption algorithm)       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                    Encrypted IKE Payloads                     ~
// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               |             Padding (0-255 octets)            |
// +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
// |                                               |  Pad Length   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                    Integrity Checksum Data                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The Encrypted and Authenticated payload, SK (RFC 7296 3.14), kept here as an opaque blob: IV, ciphertext and ICV,
/// whose split depends on the negotiated algorithms. Its Next Payload field carries the type of the first payload
/// inside (<see cref="InnerFirstPayload"/>); it is always the last payload of a message.
/// </summary>
public sealed class EncryptedPayload(PayloadType innerFirstPayload, byte[] data) : IkePayload
{
    private readonly PayloadType _innerFirstPayload = innerFirstPayload;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Encrypted;

    /// <inheritdoc/>
    public override PayloadType? InnerFirstPayload => _innerFirstPayload;

    /// <summary>IV || encrypted payloads, padding and pad length || ICV, as on the wire.</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => Data.Length;

    /// <summary>Decodes the body (no structure is visible before decryption).</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, PayloadType innerFirstPayload, out EncryptedPayload payload, out IkeDecodeFailure failure)
    {
        payload = new EncryptedPayload(innerFirstPayload, body.ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = Data.Length;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        Data.CopyTo(destination);
        return true;
    }
}
