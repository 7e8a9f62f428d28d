using System.Net;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Harness;

/// <summary>One payload of every type, with non-trivial content, and messages built from them.</summary>
internal static class SamplePayloads
{
    public static readonly IkeHeader InitHeader = new(
        0x0102030405060708, 0, PayloadType.None, 2, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0);

    public static SaPayload Sa() => new(
    [
        new Proposal(1, ProtocolId.Ike, [],
        [
            Transform.Encryption(EncryptionAlgorithm.AesGcm16, 256),
            new Transform(TransformType.Prf, (ushort)PrfAlgorithm.HmacSha256),
            new Transform(TransformType.KeyExchange, (ushort)KeyExchangeMethod.Ecp256),
            new Transform(TransformType.KeyExchange, (ushort)KeyExchangeMethod.Curve25519),
        ]),
        new Proposal(2, ProtocolId.Esp, [0xc0, 0x01, 0xd0, 0x0d],
        [
            Transform.Encryption(EncryptionAlgorithm.AesCbc, 128),
            new Transform(TransformType.Integrity, (ushort)IntegrityAlgorithm.HmacSha256Bits128),
            new Transform(TransformType.ExtendedSequenceNumbers, (ushort)ExtendedSequenceNumbers.Esn,
                [new TransformAttribute((TransformAttributeType)99, 0, [1, 2, 3])]),
        ]),
    ]);

    public static IEnumerable<IkePayload> All()
    {
        yield return Sa();
        yield return new KePayload(KeyExchangeMethod.Ecp256, Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        yield return new IdPayload(initiator: true, IdType.Fqdn, "west.example"u8.ToArray());
        yield return new IdPayload(initiator: false, IdType.Ipv4Address, [192, 0, 2, 1]);
        yield return new CertPayload(CertEncoding.X509Signature, [0x30, 0x03, 0x02, 0x01, 0x05]);
        yield return new CertReqPayload(CertEncoding.X509Signature, Enumerable.Repeat((byte)0xab, 40).ToArray());
        yield return new AuthPayload(AuthMethod.DigitalSignature, [9, 8, 7, 6, 5]);
        yield return new NoncePayload(Enumerable.Repeat((byte)0x5a, 32).ToArray());
        yield return new NotifyPayload(NotifyType.NatDetectionSourceIp, Enumerable.Repeat((byte)0x11, 20).ToArray());
        yield return new NotifyPayload(ProtocolId.Esp, NotifyType.RekeySa, [0, 0, 0x10, 0x01], []);
        yield return new DeletePayload(ProtocolId.Esp, 4, [[1, 2, 3, 4], [5, 6, 7, 8]]);
        yield return new DeletePayload(ProtocolId.Ike, 0, []);
        yield return new VendorIdPayload("strongSwan"u8.ToArray());
        yield return new TsPayload(initiator: true,
        [
            new TrafficSelector(TsType.Ipv4AddressRange, 0, 0, 65535, IPAddress.Parse("198.19.0.0"), IPAddress.Parse("198.19.0.255")),
            new TrafficSelector(TsType.Ipv6AddressRange, 6, 443, 443, IPAddress.Parse("2001:db8::"), IPAddress.Parse("2001:db8::ffff")),
        ]);
        yield return new TsPayload(initiator: false,
            [new TrafficSelector(TsType.Ipv4AddressRange, 17, 500, 500, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.1"))]);
        yield return new ConfigurationPayload(ConfigurationType.Request,
            [new ConfigurationAttribute(ConfigurationAttributeType.InternalIp4Address, []), new ConfigurationAttribute(ConfigurationAttributeType.InternalIp4Dns, [])]);
        yield return new EapPayload([1, 7, 0, 9, 1, 0x61, 0x62, 0x63, 0x64]);
        yield return new UnknownPayload((PayloadType)60, [1, 2, 3]);
    }

    /// <summary>A message carrying every payload type, then an SK payload last.</summary>
    public static IkeMessage Everything() =>
        new(InitHeader, [.. All(), new EncryptedPayload(PayloadType.IdentificationInitiator, Enumerable.Range(0, 48).Select(i => (byte)(i * 7)).ToArray())]);
}
