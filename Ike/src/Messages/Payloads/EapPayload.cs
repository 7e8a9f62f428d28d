using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.16
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       EAP Message                             ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  EAP Message:
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Code      | Identifier    |           Length              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      | Type_Data...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The EAP payload (RFC 7296 3.16), recognised but not acted on: EAP authentication is not supported, so the message
/// is kept whole and only its header is checked.
/// </summary>
public sealed class EapPayload(byte[] message) : IkePayload
{
    /// <summary>Size of the EAP header (Code, Identifier, Length).</summary>
    public const int EapHeaderSize = 4;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Eap;

    /// <summary>The whole EAP message.</summary>
    public byte[] Message { get; } = message;

    /// <summary>The EAP Code (1 Request, 2 Response, 3 Success, 4 Failure).</summary>
    public byte Code => Message[0];

    /// <summary>The EAP Identifier.</summary>
    public byte Identifier => Message[1];

    /// <summary>The EAP Type, for requests and responses; null for Success and Failure.</summary>
    public byte? EapType => Message.Length > EapHeaderSize ? Message[EapHeaderSize] : null;

    /// <inheritdoc/>
    public override int GetBodyLength() => Message.Length;

    /// <summary>Decodes the body: at least the EAP header, whose Length must be the body's length.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out EapPayload payload, out IkeDecodeFailure failure)
    {
        if (body.Length < EapHeaderSize || BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != body.Length)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidEap, 0);
            return false;
        }

        payload = new EapPayload(body.ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = Message.Length;
        if (destination.Length < written || Message.Length < EapHeaderSize)
        {
            written = 0;
            return false;
        }

        Message.CopyTo(destination);
        return true;
    }
}
