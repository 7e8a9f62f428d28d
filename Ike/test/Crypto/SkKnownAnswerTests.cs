using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Crypto;

/// <summary>SK payloads that others encrypted: RFC 7634 Appendix B, tcpdump's ikev2pI2 capture, strongSwan's AES-GCM vectors.</summary>
public sealed partial class SkKnownAnswerTests
{
    [Fact]
    public void Rfc7634_appendix_b_message_decrypts_to_set_window_size_and_reencrypts_to_the_same_bytes()
    {
        JsonElement v = JsonVectors.Load("strongswan/rfc7634_chapoly_packets.json").GetProperty("ikev2_message");
        byte[] wire = v.Bytes("message_hex");
        byte[] keymat = v.Bytes("keymat_hex");
        Assert.Equal([.. v.Bytes("key_hex"), .. v.Bytes("salt_hex")], keymat);
        using var protector = new SkProtector(IkeCipherSuite.ChaCha20Poly1305, keymat, []);

        Assert.True(IkeMessageProtection.TryUnprotect(protector, wire, out DecryptedMessage message, out SkFailure failure), failure.ToString());
        Assert.Equal(0xc0c1c2c3c4c5c6c7UL, message.Header.InitiatorSpi);
        Assert.Equal(0xd0d1d2d3d4d5d6d7UL, message.Header.ResponderSpi);
        Assert.Equal(ExchangeType.Informational, message.Header.ExchangeType);
        Assert.Equal(9u, message.Header.MessageId);
        NotifyPayload notify = Assert.IsType<NotifyPayload>(Assert.Single(message.Inner));
        Assert.Equal(NotifyType.SetWindowSize, notify.NotifyType);
        Assert.Equal(ProtocolId.None, notify.ProtocolId);
        Assert.Empty(notify.Spi);
        Assert.Equal(10u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(notify.Data));

        // The SK body alone: the plaintext the RFC implies (the Notify, no padding, Pad Length 0).
        int bodyOffset = wire.Length - message.Outer.Encrypted!.Data.Length;
        Assert.Equal(IkeHeader.Size + GenericPayloadHeader.Size, bodyOffset);
        Assert.True(protector.TryOpen(wire, bodyOffset, out byte[] inner, out SkError error), error.ToString());
        Assert.Equal(v.GetProperty("derived_by_this_transcriber").Bytes("plaintext_hex (inner payloads || pad length)")[..^1], inner);

        // Re-encrypting with the RFC's IV gives the RFC's bytes: same lengths, same AAD, same nonce.
        Assert.True(IkeMessageProtection.TryProtect(protector, message.Header, [], [new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 10])],
            v.Bytes("iv_hex"), out byte[] again, out error), error.ToString());
        Assert.Equal(Convert.ToHexString(wire), Convert.ToHexString(again));
    }

    [Fact]
    public void Ikev2pI2_ike_auth_request_decrypts_with_the_initiators_keys_to_what_tcpdump_prints()
    {
        string dir = Path.Combine("tcpdump", "tests");
        string[] secrets = File.ReadAllLines(TestData.Shared(Path.Combine(dir, "ikev2pI2-secrets.txt")));
        string tcpdump = File.ReadAllText(TestData.Shared(Path.Combine(dir, "ikev2pI2.out")));

        // "ikev2 I|R SPIi SPIr integ:0xSK_a encr:0xSK_e": the I line holds SK_ai/SK_ei (what the initiator sends with).
        string[] fields = Assert.Single(secrets, l => l.StartsWith("ikev2 I ", StringComparison.Ordinal)).Split(' ');
        Assert.Equal(6, fields.Length);
        Assert.StartsWith("sha1:0x", fields[4], StringComparison.Ordinal);
        Assert.StartsWith("aes128:0x", fields[5], StringComparison.Ordinal);
        byte[] skAi = TestData.Hex(fields[4]["sha1:0x".Length..]);
        byte[] skEi = TestData.Hex(fields[5]["aes128:0x".Length..]);

        CapturedDatagram authRequest = Captures.Read("ikev2pI2.pcap").Where(d => d.Kind == DatagramKind.Ike).ElementAt(1);
        byte[] wire = authRequest.Payload;

        // This capture's ICV is HMAC-SHA1-96 over IV || ciphertext only, not from the IKE header as RFC 7296 3.14 says
        // (tcpdump decrypts without checking it): an RFC-correct check refuses it, the headerless legacy variant opens it.
        int bodyOffset = IkeHeader.Size + GenericPayloadHeader.Size;
#pragma warning disable CA5350 // HMAC-SHA1: reading an old capture.
        Assert.Equal(wire[^12..], System.Security.Cryptography.HMACSHA1.HashData(skAi, wire.AsSpan(bodyOffset, wire.Length - bodyOffset - 12))[..12]);
        Assert.NotEqual(wire[^12..], System.Security.Cryptography.HMACSHA1.HashData(skAi, wire.AsSpan(0, wire.Length - 12))[..12]);
#pragma warning restore CA5350
        using (var rfcScope = new SkProtector(IkeCipherSuite.LegacyAesCbc128HmacSha1Bits96, skEi, skAi))
        {
            Assert.False(IkeMessageProtection.TryUnprotect(rfcScope, wire, out _, out SkFailure rfcFailure));
            Assert.Equal(SkError.IntegrityFailure, rfcFailure.Error);
        }

        using var protector = new SkProtector(IkeCipherSuite.LegacyHeaderlessIcvAesCbc128HmacSha1Bits96, skEi, skAi);

        // Its padding is 00 01 02 .. 0a with Pad Length 11: not ours (zeros), and accepted all the same.
        Assert.True(protector.TryOpen(wire, bodyOffset, out byte[] chain, out SkError openError), openError.ToString());
        Assert.Equal(wire.Length - bodyOffset - 16 - 12 - 12, chain.Length);
        Assert.True(IkeMessageProtection.TryUnprotect(protector, wire, out DecryptedMessage message, out SkFailure failure), failure.ToString());
        Assert.Equal(ExchangeType.IkeAuth, message.Header.ExchangeType);
        Assert.Equal(0x0001020304050607UL, Convert.ToUInt64(fields[2], 16));
        Assert.Equal(Convert.ToUInt64(fields[2], 16), message.Header.InitiatorSpi);
        Assert.Equal(Convert.ToUInt64(fields[3], 16), message.Header.ResponderSpi);
        Assert.True(message.Header.IsFromInitiator);

        // tcpdump -vvvv prints the decrypted payloads under v2e: "(v2IDi: len=8 0200000077657374 fqdn:west)" and
        // "(v2auth: len=196 method=rsasig authdata=(00...))"; len is the body length.
        Match id = IdiLine().Match(tcpdump);
        Match auth = AuthLine().Match(tcpdump);
        Assert.True(id.Success && auth.Success, "ikev2pI2.out does not print the decrypted IDi and AUTH");
        Assert.Equal([PayloadType.IdentificationInitiator, PayloadType.Authentication], message.Inner.Select(p => p.Type));

        IdPayload idi = Assert.IsType<IdPayload>(message.Inner[0]);
        Assert.Equal(int.Parse(id.Groups["len"].Value, System.Globalization.CultureInfo.InvariantCulture), idi.GetBodyLength());
        byte[] idBody = new byte[idi.GetBodyLength()];
        Assert.True(idi.TryWriteBody(idBody, out _));
        Assert.Equal(id.Groups["body"].Value, Convert.ToHexString(idBody), ignoreCase: true);
        Assert.Equal(IdType.Fqdn, idi.IdType);
        Assert.Equal(id.Groups["fqdn"].Value, System.Text.Encoding.ASCII.GetString(idi.Data));

        AuthPayload authPayload = Assert.IsType<AuthPayload>(message.Inner[1]);
        Assert.Equal(int.Parse(auth.Groups["len"].Value, System.Globalization.CultureInfo.InvariantCulture), authPayload.GetBodyLength());
        Assert.Equal("rsasig", auth.Groups["method"].Value);
        Assert.Equal(AuthMethod.RsaDigitalSignature, authPayload.Method);
        Assert.Equal(auth.Groups["data"].Value, Convert.ToHexString(authPayload.Data), ignoreCase: true);

        // The responder's keys (the R line) do not open the initiator's message.
        string[] responder = Assert.Single(secrets, l => l.StartsWith("ikev2 R ", StringComparison.Ordinal)).Split(' ');
        using var wrong = new SkProtector(IkeCipherSuite.LegacyHeaderlessIcvAesCbc128HmacSha1Bits96,
            TestData.Hex(responder[5]["aes128:0x".Length..]), TestData.Hex(responder[4]["sha1:0x".Length..]));
        Assert.False(IkeMessageProtection.TryUnprotect(wrong, wire, out _, out failure));
        Assert.Equal(SkError.IntegrityFailure, failure.Error);
    }

    [Fact]
    public void Legacy_sha1_suites_are_never_offered_nor_accepted()
    {
        Assert.True(IkeCipherSuite.LegacyAesCbc128HmacSha1Bits96.IsLegacy);
        Assert.True(IkeCipherSuite.LegacyHeaderlessIcvAesCbc128HmacSha1Bits96.IsLegacy);
        Assert.DoesNotContain(IkeCipherSuite.LegacyHeaderlessIcvAesCbc128HmacSha1Bits96, IkeCipherSuite.Supported);
        Assert.DoesNotContain(IkeCipherSuite.LegacyAesCbc128HmacSha1Bits96, IkeCipherSuite.Supported);
        Assert.All(IkeCipherSuite.Supported, s => Assert.False(s.IsLegacy));
        Assert.False(IkeCipherSuite.TryGet(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1Bits96, out _));
    }

    [Theory]
    [InlineData("strongswan/test_vectors_aes_gcm.json", 8)]
    [InlineData("strongswan/test_vectors_chacha20poly1305.json", 4)]
    public void Strongswan_aead_vectors_authenticate_and_decrypt_in_the_sk_layout(string file, int expectedVectors)
    {
        int checkedVectors = 0;
        foreach (JsonElement v in JsonVectors.Vectors(file))
        {
            int keySize = v.GetProperty("key_size").GetInt32();
            IkeCipherSuite? suite = (v.Text("alg"), keySize) switch
            {
                ("ENCR_AES_GCM_ICV16", 16) => IkeCipherSuite.AesGcm16Bits128,
                ("ENCR_AES_GCM_ICV16", 32) => IkeCipherSuite.AesGcm16Bits256,
                ("ENCR_CHACHA20_POLY1305", 32) => IkeCipherSuite.ChaCha20Poly1305,
                _ => null,
            };
            if (suite is null || v.GetProperty("len").GetInt32() == 0)
            {
                continue;
            }

            string name = v.Text("name");
            byte[] aad = v.Bytes("adata"), plain = v.Bytes("plain");
            byte[] message = [.. aad, .. v.Bytes("iv"), .. v.Bytes("cipher")];
            using var protector = new SkProtector(suite, v.Bytes("key"), []);

            // The vector's plaintext is not an SK plaintext, so its last byte is read as Pad Length: the tag must
            // pass, and the result is the plaintext without that "padding", or BadPadding when the byte is too large.
            bool opened = protector.TryOpen(message, aad.Length, out byte[] inner, out SkError error);
            int padLength = plain[^1];
            if (padLength <= plain.Length - 1)
            {
                Assert.True(opened, $"{name}: {error}");
                Assert.Equal(plain[..(plain.Length - 1 - padLength)], inner);
            }
            else
            {
                Assert.Equal(SkError.BadPadding, error);
            }

            message[^1] ^= 1;
            Assert.False(protector.TryOpen(message, aad.Length, out _, out error));
            Assert.Equal(SkError.IntegrityFailure, error);
            checkedVectors++;
        }

        Assert.Equal(expectedVectors, checkedVectors);
    }

    [GeneratedRegex(@"\(v2IDi: len=(?<len>\d+) (?<body>[0-9a-f]+) fqdn:(?<fqdn>[^)\s]+)\)")]
    private static partial Regex IdiLine();

    [GeneratedRegex(@"\(v2auth: len=(?<len>\d+) method=(?<method>\w+) authdata=\((?<data>[0-9a-f]+)\)")]
    private static partial Regex AuthLine();
}
