using System.Net;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Messages;

public sealed class PayloadRoundTripTests
{
    public static TheoryData<string> PayloadNames() => [.. SamplePayloads.All().Select(Describe).Append("SK").Append("SKF")];

    private static string Describe(IkePayload p) => $"{p.Type}:{p.GetBodyLength()}";

    private static IkePayload Find(string name) => name switch
    {
        "SK" => new EncryptedPayload(PayloadType.Notify, [1, 2, 3, 4, 5, 6, 7, 8]),
        "SKF" => new EncryptedFragmentPayload(PayloadType.IdentificationInitiator, 1, 3, [9, 9, 9]),
        _ => SamplePayloads.All().First(p => Describe(p) == name),
    };

    [Theory]
    [MemberData(nameof(PayloadNames))]
    public void Every_payload_type_survives_encode_decode_encode(string name)
    {
        IkePayload payload = Find(name);
        var message = new IkeMessage(SamplePayloads.InitHeader, [new NoncePayload(new byte[16]), payload]);
        byte[] wire = message.Encode();

        Assert.True(IkeMessage.TryDecode(wire, out IkeMessage decoded, out IkeDecodeFailure failure), failure.ToString());
        Assert.Equal(2, decoded.Payloads.Count);
        IkePayload back = decoded.Payloads[1];
        Assert.Equal(payload.GetType(), back.GetType());
        Assert.Equal(payload.Type, back.Type);
        Assert.Equal(payload.InnerFirstPayload, back.InnerFirstPayload);
        Assert.Equal(wire, decoded.Encode());
        Assert.Equal((uint)wire.Length, decoded.Header.Length);
    }

    [Fact]
    public void Sa_payload_fields_come_back()
    {
        byte[] wire = new IkeMessage(SamplePayloads.InitHeader, [SamplePayloads.Sa()]).Encode();
        Assert.True(IkeMessage.TryDecode(wire, out IkeMessage decoded, out _));
        SaPayload sa = decoded.Get<SaPayload>()!;
        Assert.Equal(2, sa.Proposals.Count);
        Assert.Equal(SamplePayloads.Sa().Proposals, sa.Proposals);
        Assert.Equal(256, sa.Proposals[0].Transforms[0].KeyLength);
        Assert.Equal([(ushort)KeyExchangeMethod.Ecp256, (ushort)KeyExchangeMethod.Curve25519],
            sa.Proposals[0].OfType(TransformType.KeyExchange).Select(t => t.Id));
        Assert.Equal(new byte[] { 0xc0, 0x01, 0xd0, 0x0d }, sa.Proposals[1].Spi);
        Assert.Equal(new byte[] { 1, 2, 3 }, sa.Proposals[1].Transforms[2].Attributes[0].LongValue);
    }

    [Fact]
    public void Ts_notify_delete_and_cp_fields_come_back()
    {
        IkeMessage message = SamplePayloads.Everything();
        Assert.True(IkeMessage.TryDecode(message.Encode(), out IkeMessage decoded, out _));

        var tsi = (TsPayload)decoded.Get(PayloadType.TrafficSelectorInitiator)!;
        Assert.Equal(IPAddress.Parse("2001:db8::ffff"), tsi.Selectors[1].EndAddress);
        Assert.Equal(443, tsi.Selectors[1].StartPort);
        Assert.Equal(6, tsi.Selectors[1].IpProtocol);

        NotifyPayload rekey = decoded.GetNotify(NotifyType.RekeySa)!;
        Assert.Equal(ProtocolId.Esp, rekey.ProtocolId);
        Assert.Equal(new byte[] { 0, 0, 0x10, 0x01 }, rekey.Spi);
        Assert.False(rekey.IsError);

        DeletePayload delete = decoded.Payloads.OfType<DeletePayload>().First();
        Assert.Equal([0x01020304u, 0x05060708u], delete.Spis32);

        var id = (IdPayload)decoded.Get(PayloadType.IdentificationInitiator)!;
        Assert.Equal(IdType.Fqdn, id.IdType);
        Assert.Equal("west.example"u8.ToArray(), id.Data);

        Assert.Equal(2, decoded.Get<CertReqPayload>()!.GetCaKeyHashes().Count);
        Assert.Equal(2, decoded.Get<ConfigurationPayload>()!.Attributes.Count);
        Assert.Equal((byte)1, decoded.Get<EapPayload>()!.EapType);
        Assert.Equal(PayloadType.IdentificationInitiator, decoded.Encrypted!.InnerFirstPayload);
        Assert.IsType<UnknownPayload>(decoded.Get((PayloadType)60));
    }

    [Fact]
    public void Unknown_critical_payload_is_reported_with_its_type()
    {
        var message = new IkeMessage(SamplePayloads.InitHeader,
            [new NoncePayload(new byte[16]), new UnknownPayload((PayloadType)60, [1, 2]) { Critical = true }]);
        byte[] wire = message.Encode();

        Assert.False(IkeMessage.TryDecode(wire, out _, out IkeDecodeFailure failure));
        Assert.Equal(IkeDecodeError.UnsupportedCriticalPayload, failure.Error);
        Assert.Equal(60, failure.Detail);
        Assert.Equal(IkeHeader.Size + 4 + 16, failure.Offset);
    }

    [Fact]
    public void Known_payload_with_critical_bit_decodes_and_keeps_the_bit()
    {
        var message = new IkeMessage(SamplePayloads.InitHeader, [new NoncePayload(new byte[16]) { Critical = true }]);
        byte[] wire = message.Encode();
        Assert.True(IkeMessage.TryDecode(wire, out IkeMessage decoded, out _));
        Assert.True(decoded.Payloads[0].Critical);
        Assert.Equal(wire, decoded.Encode());
    }

    [Fact]
    public void Sk_payload_that_is_not_last_is_rejected()
    {
        byte[] wire = new IkeMessage(SamplePayloads.InitHeader, [new VendorIdPayload([1, 2, 3, 4]), new NoncePayload(new byte[16])]).Encode();
        wire[IkeHeader.NextPayloadOffset] = (byte)PayloadType.Encrypted;

        Assert.False(IkeMessage.TryDecode(wire, out _, out IkeDecodeFailure failure));
        Assert.Equal(new IkeDecodeFailure(IkeDecodeError.EncryptedPayloadNotLast, IkeHeader.Size), failure);
    }

    [Fact]
    public void Writer_refuses_payloads_after_sk_and_short_buffers()
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new MessageWriter(buffer);
        Assert.True(writer.TryWriteHeader(SamplePayloads.InitHeader));
        Assert.True(writer.TryAdd(new EncryptedPayload(PayloadType.Nonce, [1, 2, 3])));
        Assert.False(writer.TryAdd(new NoncePayload(new byte[16])));
        Assert.False(writer.TryFinish(out _));

        var small = new MessageWriter(buffer[..40]);
        Assert.True(small.TryWriteHeader(SamplePayloads.InitHeader));
        Assert.False(small.TryAdd(new NoncePayload(new byte[16])));
    }

    [Fact]
    public void Writer_builds_a_bare_chain_for_sk_content()
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new MessageWriter(buffer);
        Assert.True(writer.TryAdd(new IdPayload(true, IdType.Fqdn, "a"u8.ToArray())));
        Assert.True(writer.TryAdd(new NotifyPayload(NotifyType.InitialContact)));
        Assert.True(writer.TryFinish(out int length));
        Assert.Equal(PayloadType.IdentificationInitiator, writer.FirstPayload);

        Assert.True(PayloadDecoder.TryDecodeChain(buffer[..length], writer.FirstPayload, 0, out List<IkePayload> payloads, out _));
        Assert.Equal([PayloadType.IdentificationInitiator, PayloadType.Notify], payloads.Select(p => p.Type));
    }
}
