using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// The plumbing our IKE will use against strongSwan: a UDP socket opened inside the left namespace sends one
/// IKE_SA_INIT request built with our codec to a strongSwan responder in the right namespace, and our codec decodes the
/// answer. No IKE state machine is involved: one request, one response, then the responder drops the half-open SA.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class IkeSaInitProbeTests
{
    [Fact]
    public async Task StrongSwan_answers_an_ike_sa_init_built_by_our_codec_and_our_codec_decodes_the_response()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        const string Id = "vpn-gw.example.com";
        var config = new SwanctlConfig
        {
            Connections =
            [
                new SwanctlConnection("probe", SwanctlAuth.Psk(Id), SwanctlAuth.Psk("%any"))
                {
                    LocalAddrs = net.Right.Underlay.ToString(),
                    Proposals = "aes256gcm16-prfsha256-ecp256",
                    Children = [new SwanctlChild(SwanctlConfig.DefaultChild, net.Right.InnerSubnet, net.Left.InnerSubnet)],
                },
            ],
            Secrets = [new SwanctlSecret("0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Id)],
        };
        await using StrongSwanInstance responder = await StrongSwanInstance.StartAsync(net.Right.Ns, config);

        using EcpKeyExchange ke = EcpKeyExchange.Create(KeyExchangeMethod.Ecp256)!;
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        ulong spi = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(sizeof(ulong))) | 1;
        var proposal = new Proposal(1, ProtocolId.Ike, [],
        [
            Transform.Encryption(EncryptionAlgorithm.AesGcm16, 256),
            new Transform(TransformType.Prf, (ushort)PrfAlgorithm.HmacSha256),
            new Transform(TransformType.KeyExchange, (ushort)KeyExchangeMethod.Ecp256),
        ]);
        var request = new IkeMessage(
            new IkeHeader(spi, 0, PayloadType.None, IkeSpec.MajorVersion, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0),
            [new SaPayload([proposal]), new KePayload(KeyExchangeMethod.Ecp256, ke.PublicValue), new NoncePayload(nonce)]);
        byte[] datagram = request.Encode();

        // The socket is created on a thread inside the left namespace and stays there; sending from here is fine.
        using Socket socket = net.Left.Ns.OpenUdpSocket(new IPEndPoint(net.Left.Underlay, 0));
        var responderEndPoint = new IPEndPoint(net.Right.Underlay, 500);
        byte[] buffer = new byte[Limits.MaxMessageLength];
        int length = 0;
        // Bounded: at most 3 sends, 2 s each (a lost first datagram, e.g. while neighbour resolution runs).
        for (int attempt = 0; attempt < 3 && length == 0; attempt++)
        {
            await socket.SendToAsync(datagram, responderEndPoint);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                SocketReceiveFromResult got = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                Assert.Equal(responderEndPoint, got.RemoteEndPoint);
                length = got.ReceivedBytes;
            }
            catch (OperationCanceledException)
            {
            }
        }

        Assert.True(length > 0, StrongSwanInstance.Reports("no IKE_SA_INIT response within 3 × 2 s", responder));
        Assert.True(IkeMessage.TryDecode(buffer.AsSpan(0, length), out IkeMessage response, out IkeDecodeFailure failure),
            StrongSwanInstance.Reports($"our codec cannot decode strongSwan's response: {failure}\n{Convert.ToHexString(buffer, 0, length)}", responder));

        Assert.Equal(ExchangeType.IkeSaInit, response.Header.ExchangeType);
        Assert.True(response.Header.IsResponse);
        Assert.False(response.Header.IsFromInitiator);
        Assert.Equal(0u, response.Header.MessageId);
        Assert.Equal(spi, response.Header.InitiatorSpi);
        Assert.NotEqual(0ul, response.Header.ResponderSpi);

        Proposal chosen = Assert.Single(Assert.IsType<SaPayload>(response.Get<SaPayload>()).Proposals);
        Assert.Equal(ProtocolId.Ike, chosen.ProtocolId);
        Transform encryption = Assert.Single(chosen.OfType(TransformType.Encryption));
        Assert.Equal(((ushort)EncryptionAlgorithm.AesGcm16, 256), (encryption.Id, encryption.KeyLength));
        Assert.Equal((ushort)PrfAlgorithm.HmacSha256, Assert.Single(chosen.OfType(TransformType.Prf)).Id);
        Assert.Equal((ushort)KeyExchangeMethod.Ecp256, Assert.Single(chosen.OfType(TransformType.KeyExchange)).Id);

        KePayload kr = Assert.IsType<KePayload>(response.Get<KePayload>());
        Assert.Equal(KeyExchangeMethod.Ecp256, kr.Group);
        Assert.True(ke.TryComputeSharedSecret(kr.KeyExchangeData, out byte[]? shared, out KeyExchangeError error), $"strongSwan's KE payload: {error}");
        Assert.Equal(32, shared.Length);
        Assert.InRange(Assert.IsType<NoncePayload>(response.Get<NoncePayload>()).Data.Length, IkeSpec.MinNonceLength, IkeSpec.MaxNonceLength);

        // The responder saw exactly what we meant to send, and keeps a half-open IKE SA under our SPI.
        string log = responder.ReadLog();
        Assert.Contains("parsed IKE_SA_INIT request 0 [ SA KE No ]", log, StringComparison.Ordinal);
        Assert.Contains("selected proposal: IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256", log, StringComparison.Ordinal);
        IReadOnlyList<IkeSaStatus> sas = await responder.ListSasAsync();
        string spiHex = spi.ToString("x16", CultureInfo.InvariantCulture);
        Assert.Contains(sas, sa => sa.InitiatorSpi == spiHex);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"response: {length} bytes, payloads {string.Join(' ', response.Payloads.Select(p => p.Type))}\nresponder: {string.Join('\n', sas)}");
    }
}
