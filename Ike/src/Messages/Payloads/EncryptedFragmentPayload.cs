using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7383 2.5
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Fragment Number        |        Total Fragments        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Initialization Vector                     |
// ~                      Encrypted content                        ~
// ~                    Integrity Checksum Data                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The Encrypted Fragment payload, SKF (RFC 7383 2.5), as on the wire: built by <see cref="Fragmentation.IkeFragmenter"/>,
/// verified and reassembled by <see cref="Fragmentation.FragmentReassembler"/>.
/// Next Payload is the first inner payload type in fragment 1 and 0 in the others.
/// </summary>
public sealed class EncryptedFragmentPayload(PayloadType innerFirstPayload, ushort fragmentNumber, ushort totalFragments, byte[] data) : IkePayload
{
    /// <summary>Offset of the IV in the body.</summary>
    public const int DataOffset = 4;

    private readonly PayloadType _innerFirstPayload = innerFirstPayload;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.EncryptedFragment;

    /// <inheritdoc/>
    public override PayloadType? InnerFirstPayload => _innerFirstPayload;

    /// <summary>This fragment's number, from 1.</summary>
    public ushort FragmentNumber { get; } = fragmentNumber;

    /// <summary>The number of fragments of the message.</summary>
    public ushort TotalFragments { get; } = totalFragments;

    /// <summary>IV, encrypted content and ICV, as on the wire.</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => DataOffset + Data.Length;

    /// <summary>Decodes the body; fragment numbers must be 1..total (RFC 7383 2.5).</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, PayloadType innerFirstPayload, out EncryptedFragmentPayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        if (body.Length < DataOffset)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        ushort number = BinaryPrimitives.ReadUInt16BigEndian(body);
        ushort total = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        if (number == 0 || number > total)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidFragmentNumber, 0);
            return false;
        }

        payload = new EncryptedFragmentPayload(innerFirstPayload, number, total, body[DataOffset..].ToArray());
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

        BinaryPrimitives.WriteUInt16BigEndian(destination, FragmentNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], TotalFragments);
        Data.CopyTo(destination[DataOffset..]);
        return true;
    }
}
