using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Messages;

/// <summary>tcpdump's IKEv2 test captures: every message decodes, re-encodes to the same bytes, and agrees with tcpdump -v.</summary>
public sealed class CaptureTests
{
    [Theory]
    [InlineData("ikev2four.pcap", "ikev2fourv.out", 21)]
    [InlineData("ikev2pI2.pcap", "ikev2pI2.out", 2)]
    public void Every_ikev2_message_decodes_reencodes_and_matches_tcpdump(string pcap, string tcpdumpOutput, int expectedMessages)
    {
        List<CapturedDatagram> datagrams = Captures.Read(pcap).Where(d => d.Kind == DatagramKind.Ike).ToList();
        List<TcpdumpExpectation> expected = TcpdumpExpectation.Parse(TestData.Shared(Path.Combine("tcpdump", "tests", tcpdumpOutput)));
        Assert.Equal(expectedMessages, datagrams.Count);
        Assert.Equal(expectedMessages, expected.Count);

        for (int i = 0; i < datagrams.Count; i++)
        {
            byte[] wire = datagrams[i].Payload;
            Assert.True(IkeMessage.TryDecode(wire, out IkeMessage message, out IkeDecodeFailure failure), $"frame {datagrams[i].Frame}: {failure}");
            Assert.Equal(wire, message.Encode());

            TcpdumpExpectation want = expected[i];
            Assert.Equal(want.MessageId, message.Header.MessageId);
            Assert.Equal(want.InitiatorSpi, message.Header.InitiatorSpi);
            Assert.Equal(want.ResponderSpi, message.Header.ResponderSpi);
            Assert.Equal(want.Exchange, message.Header.ExchangeType);
            Assert.Equal(want.Flags.Contains('I', StringComparison.Ordinal), message.Header.IsFromInitiator);
            Assert.Equal(want.Flags.Contains('R', StringComparison.Ordinal), message.Header.IsResponse);
            Assert.Equal(want.Payloads.Select(p => (p.Type, p.Critical)), message.Payloads.Select(p => (p.Type, p.Critical)));
            for (int j = 0; j < want.Payloads.Count; j++)
            {
                if (want.Payloads[j].Length is int length)
                {
                    // tcpdump prints the body length, except for KE, where it prints the key exchange data length.
                    IkePayload payload = message.Payloads[j];
                    Assert.Equal(length, payload is KePayload ke ? ke.KeyExchangeData.Length : payload.GetBodyLength());
                }
            }
        }
    }

    [Fact]
    public void Ikev2four_first_messages_carry_what_tcpdump_prints()
    {
        List<CapturedDatagram> datagrams = Captures.Read("ikev2four.pcap").Where(d => d.Kind == DatagramKind.Ike).ToList();
        Assert.True(IkeMessage.TryDecode(datagrams[0].Payload, out IkeMessage init, out _));
        Proposal proposal = Assert.Single(init.Get<SaPayload>()!.Proposals);
        Assert.Equal(ProtocolId.Ike, proposal.ProtocolId);
        Assert.Equal(12, proposal.Transforms.Count);
        Assert.Equal([128, 256, 192], proposal.OfType(TransformType.Encryption).Take(3).Select(t => t.KeyLength ?? 0));
        Assert.Equal((ushort)EncryptionAlgorithm.TripleDes, proposal.Transforms[3].Id);
        Assert.Equal((ushort)PrfAlgorithm.Aes128Xcbc, proposal.Transforms[6].Id);
        Assert.Equal((ushort)IntegrityAlgorithm.AesXcbcBits96, proposal.Transforms[9].Id);
        Assert.Equal([(ushort)KeyExchangeMethod.Modp1024, (ushort)KeyExchangeMethod.Modp2048], proposal.OfType(TransformType.KeyExchange).Select(t => t.Id));
        KePayload ke = init.Get<KePayload>()!;
        Assert.Equal(KeyExchangeMethod.Modp1024, ke.Group);
        Assert.Equal(TestData.Hex("b5445bd60cece6fdcd3c96a52cbb7bb4"), ke.KeyExchangeData[..16]);
        Assert.Equal(TestData.Hex("6128ebd023a864e94a7ffb74bf7cce2fd4367322b8b073f942282bd52ebfe3e6"), init.Get<NoncePayload>()!.Data);
        Assert.Equal([NotifyType.NatDetectionSourceIp, NotifyType.NatDetectionDestinationIp], init.Payloads.OfType<NotifyPayload>().Select(n => n.NotifyType));
        Assert.True(MessageRules.Check(init).IsValid);

        Assert.True(IkeMessage.TryDecode(datagrams[1].Payload, out IkeMessage cookie, out _));
        NotifyPayload n = Assert.IsType<NotifyPayload>(Assert.Single(cookie.Payloads));
        Assert.Equal(NotifyType.Cookie, n.NotifyType);
        Assert.Equal(TestData.Hex("00000001c2221e50c16e123f2b0c71aefcf0cb3b798782c6"), n.Data);
        Assert.True(MessageRules.Check(cookie).IsValid, "a COOKIE response replaces SA, KE and Nonce");

        Assert.True(IkeMessage.TryDecode(datagrams[4].Payload, out IkeMessage auth, out _));
        Assert.Equal(PayloadType.IdentificationInitiator, auth.Encrypted!.InnerFirstPayload);
        Assert.Equal(204, auth.Encrypted.Data.Length);
        Assert.True(MessageRules.Check(auth).IsValid);
    }

    [Fact]
    public void Every_captured_ikev2_message_passes_the_message_rules_before_decryption()
    {
        foreach ((string name, byte[] bytes) in Captures.AllIkeV2Messages())
        {
            Assert.True(IkeMessage.TryDecode(bytes, out IkeMessage message, out _), name);
            MessageCheckResult result = MessageRules.Check(message);
            Assert.True(result.IsValid, $"{name}: {result}");
        }
    }

    [Fact]
    public void Isakmp4500_demultiplexes_the_non_esp_marker_and_rejects_ikev1()
    {
        List<CapturedDatagram> datagrams = Captures.Read("isakmp4500.pcap");
        List<CapturedDatagram> ike = datagrams.Where(d => d.Kind == DatagramKind.Ike).ToList();
        Assert.Contains(ike, d => d.DestinationPort == IkeSpec.NatTraversalPort);
        Assert.Contains(datagrams, d => d.Kind == DatagramKind.Esp);
        Assert.Contains(datagrams, d => d.Kind == DatagramKind.NatKeepalive);
        foreach (CapturedDatagram datagram in ike)
        {
            // Every IKE message in this capture is IKEv1 (RFC 7296 2.5: answered with INVALID_MAJOR_VERSION).
            Assert.False(IkeMessage.TryDecode(datagram.Payload, out _, out IkeDecodeFailure failure));
            Assert.Equal(new IkeDecodeFailure(IkeDecodeError.UnsupportedMajorVersion, IkeHeader.VersionOffset, 1), failure);
        }
    }
}
