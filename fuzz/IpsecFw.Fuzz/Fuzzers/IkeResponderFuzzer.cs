using System.Net;
using System.Reflection;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// A whole IKE responder (<see cref="IkeSa.Respond"/>, <see cref="IkeSa.Receive"/>, <see cref="IkeSa.OnTimer"/>), fed a
/// sequence of datagrams. Byte 0 bit 7 chooses the starting point:
/// <list type="bullet">
/// <item>0 (fresh): the first record is an IKE_SA_INIT request for <see cref="IkeSa.Respond"/>; the SA it creates
/// takes the following records;</item>
/// <item>1 (established): an initiator and a responder are joined in-process first (PSK, x25519, deterministic SPIs
/// and nonces), then the records go to the established responder.</item>
/// </list>
/// Records (up to 16): kind (1 byte) then: kind 0: a raw datagram (16-bit length + bytes) for Receive; kind 1:
/// exchange type, flags selector, message ID delta (signed, from the next expected ID), SK Next Payload, an inner chain
/// (16-bit length + bytes) that the target seals with the initiator's keys (read from the initiator SA by reflection,
/// a harness-only shortcut), so the fuzzer drives the responder's exchange handlers; kind 2: time passes (1 byte of
/// seconds) and OnTimer runs. Everything the responder sends must decode; raw datagrams alone (without the keys) must
/// not move an established SA out of <see cref="IkeSaState.Established"/>.
/// </summary>
internal sealed class IkeResponderFuzzer : IFuzzer
{
    public static readonly IPEndPoint InitiatorAddress = new(IPAddress.Parse("198.18.0.1"), 500);
    public static readonly IPEndPoint ResponderAddress = new(IPAddress.Parse("198.18.0.2"), 500);
    private const int MaxRecords = 16;

    private static readonly FieldInfo Outbound = typeof(IkeSa).GetField("_outbound", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("IkeSa._outbound is gone");

    private static readonly FieldInfo Inbound = typeof(IkeSa).GetField("_inbound", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("IkeSa._inbound is gone");

    private static readonly FieldInfo PeerNextRequestId = typeof(IkeSa).GetField("_peerNextRequestId", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("IkeSa._peerNextRequestId is gone");

    private static readonly Lazy<IkeSaConfig> s_initiatorConfig = new(() => Config("initiator.example.com"));
    private static readonly Lazy<IkeSaConfig> s_responderConfig = new(() => Config("responder.example.com"));

    public string Name => "IkeResponder";

    public string Description => "Ike: IkeSa.Respond / Receive / OnTimer on a fresh or an established responder SA";

    public static IkeSaConfig Config(string name, string ike = "aes128gcm16-prfsha256-x25519", string esp = "aes128gcm16-esn-noesn") =>
        new()
        {
            Name = name,
            Authenticator = new PskAuthenticator(Encoding.UTF8.GetBytes("fuzz-shared-secret-0123456789"), new LocalIdentity(IdType.Fqdn, Encoding.ASCII.GetBytes(name))),
            IkeProposals = IkeSaConfig.ParseProposals(ike, esp).Ike,
            EspProposals = IkeSaConfig.ParseProposals(ike, esp).Esp,
            DpdDelay = TimeSpan.FromSeconds(30),
        };

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var reader = new InputReader(input[1..]);
        bool established = (input[0] & 0x80) != 0;
        IkeSa? responder;
        FuzzIkeHost responderHost;
        IkeSa? initiator = null;
        if (established)
        {
            (initiator, responder, responderHost) = Establish();
        }
        else
        {
            responderHost = new FuzzIkeHost(2, 0x2000);
            byte[] first = reader.Block16().ToArray();
            if (!IkeMessage.TryDecode(first, out IkeMessage request, out _))
            {
                return;
            }

            responder = IkeSa.Respond(s_responderConfig.Value, responderHost, first, request, ResponderAddress, InitiatorAddress, null, out string? refusal);
            CheckSent(responderHost);
            if (responder is null)
            {
                return;
            }
        }

        bool keyed = false;
        for (int i = 0; i < MaxRecords && !reader.IsEmpty; i++)
        {
            switch (reader.Byte() % 3)
            {
                case 0:
                    responder.Receive(reader.Block16(), ResponderAddress, InitiatorAddress);
                    break;
                case 1:
                {
                    var exchange = (ExchangeType)reader.Byte();
                    byte flagSelector = reader.Byte();
                    var delta = (sbyte)reader.Byte();
                    var next = (PayloadType)reader.Byte();
                    ReadOnlySpan<byte> inner = reader.Block16();
                    if (initiator is null || Outbound.GetValue(initiator) is not SkProtector sealer)
                    {
                        break;
                    }

                    keyed = true;
                    uint messageId = (uint)PeerNextRequestId.GetValue(responder)! + (uint)delta;
                    IkeHeaderFlags flags = (flagSelector & 1) != 0 ? IkeHeaderFlags.Initiator | IkeHeaderFlags.Response : IkeHeaderFlags.Initiator;
                    if (Seal(sealer, responder, exchange, flags, messageId, next, inner) is byte[] datagram)
                    {
                        responder.Receive(datagram, ResponderAddress, InitiatorAddress);
                    }

                    break;
                }

                default:
                    keyed = true;
                    responderHost.Clock.Advance(TimeSpan.FromSeconds(reader.Byte()));
                    responder.OnTimer();
                    break;
            }

            CheckSent(responderHost);
        }

        if (s_verbose)
        {
            Console.Error.WriteLine($"responder state {responder.State}, {responder.Children.Count} child SAs");
        }

        if (established && !keyed && responder.State != IkeSaState.Established)
        {
            throw new FuzzInvariantException($"unauthenticated datagrams moved an established responder to {responder.State}");
        }

        responder.Dispose();
        initiator?.Dispose();
    }

    private static readonly bool s_verbose = Environment.GetEnvironmentVariable("IPSECFW_FUZZ_VERBOSE") == "1";

    private static void CheckSent(FuzzIkeHost host)
    {
        while (host.Outbox.TryDequeue(out byte[]? message))
        {
            if (s_verbose && IkeMessage.TryDecode(message, out IkeMessage sent, out _))
            {
                Console.Error.WriteLine($"responder sent {sent.Header.ExchangeType} id {sent.Header.MessageId} response={sent.Header.IsResponse} ({message.Length} bytes)");
            }

            if (!IkeMessage.TryDecode(message, out _, out IkeDecodeFailure failure))
            {
                throw new FuzzInvariantException($"the responder sent a datagram that does not decode ({failure.Error} at {failure.Offset}): {Convert.ToHexString(message)}");
            }
        }
    }

    private static byte[]? Seal(SkProtector sealer, IkeSa sa, ExchangeType exchange, IkeHeaderFlags flags, uint messageId, PayloadType next, ReadOnlySpan<byte> inner)
    {
        if (!IkeSkDecryptFuzzer.TrySeal(sealer, exchange, flags, next, inner, out byte[] message))
        {
            return null;
        }

        // TrySeal wrote fixed SPIs and message ID 1: rewrite the header with this SA's, then seal again.
        var header = new IkeHeader(sa.InitiatorSpi, sa.ResponderSpi, PayloadType.Encrypted, 2, 0, exchange, flags, messageId, (uint)message.Length);
        _ = header.TryWrite(message, out _);
        return sealer.TrySeal(message, IkeHeader.Size + GenericPayloadHeader.Size, inner, out _) ? message : null;
    }

    /// <summary>An initiator and a responder, established by exchanging their datagrams in-process (bounded).</summary>
    public static (IkeSa Initiator, IkeSa Responder, FuzzIkeHost ResponderHost) Establish()
    {
        var initiatorHost = new FuzzIkeHost(1, 0x1000);
        var responderHost = new FuzzIkeHost(2, 0x2000);
        IkeSa initiator = IkeSa.Initiate(s_initiatorConfig.Value, initiatorHost, InitiatorAddress, ResponderAddress);
        IkeSa? responder = null;
        for (int i = 0; i < 20; i++)
        {
            if (initiatorHost.Outbox.TryDequeue(out byte[]? toResponder))
            {
                if (responder is null)
                {
                    if (!IkeMessage.TryDecode(toResponder, out IkeMessage request, out _))
                    {
                        throw new FuzzInvariantException("the initiator's IKE_SA_INIT does not decode");
                    }

                    responder = IkeSa.Respond(s_responderConfig.Value, responderHost, toResponder, request, ResponderAddress, InitiatorAddress, null, out string? refusal)
                        ?? throw new FuzzInvariantException($"the responder refused the harness's initiator: {refusal}");
                }
                else
                {
                    responder.Receive(toResponder, ResponderAddress, InitiatorAddress);
                }
            }
            else if (responderHost.Outbox.TryDequeue(out byte[]? toInitiator))
            {
                initiator.Receive(toInitiator, InitiatorAddress, ResponderAddress);
            }
            else
            {
                break;
            }
        }

        if (responder is null || responder.State != IkeSaState.Established || initiator.State != IkeSaState.Established)
        {
            throw new FuzzInvariantException($"the harness pair did not establish: {initiator.State} / {responder?.State}");
        }

        return (initiator, responder, responderHost);
    }

    /// <summary>The inner payloads of a datagram the initiator sent, decrypted with the responder's keys (for the seeds).</summary>
    public static bool TryOpen(IkeSa responder, byte[] datagram, out DecryptedMessage message)
    {
        message = null!;
        return Inbound.GetValue(responder) is SkProtector opener && IkeMessageProtection.TryUnprotect(opener, datagram, out message, out _);
    }

    /// <summary>Seeds: IKE_SA_INIT requests of several initiators (fresh), and the initiator's own requests (established).</summary>
    public static IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        string[] proposals = ["aes128gcm16-prfsha256-x25519", "aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048", "chacha20poly1305-prfsha256-ecp256"];
        for (int p = 0; p < proposals.Length; p++)
        {
            var host = new FuzzIkeHost(7 + p, 0x3000);
            using IkeSa i = IkeSa.Initiate(Config("initiator.example.com", proposals[p]), host, InitiatorAddress, ResponderAddress);
            if (host.Outbox.TryDequeue(out byte[]? init))
            {
                yield return ($"fresh-init-{proposals[p]}.bin", new InputWriter().Byte(0).Block16(init).ToArray());
                yield return ($"fresh-init-twice-{proposals[p]}.bin", new InputWriter().Byte(0).Block16(init).Byte(0).Block16(init).Byte(2).Byte(40).ToArray());
            }
        }

        yield return ("established-idle.bin", new InputWriter().Byte(0x80).Byte(2).Byte(31).Byte(2).Byte(200).ToArray());
        yield return ("established-liveness.bin", new InputWriter().Byte(0x80).Byte(1).Byte((int)ExchangeType.Informational).Byte(0).Byte(0).Byte(0).Block16([]).ToArray());

        foreach (string action in new[] { "rekey-child", "rekey-ike", "delete-child", "delete-ike" })
        {
            (IkeSa initiator, IkeSa responder, FuzzIkeHost _) = Establish();
            FuzzIkeHost initiatorHost = (FuzzIkeHost)typeof(IkeSa).GetField("_host", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(initiator)!;
            switch (action)
            {
                case "rekey-child":
                    initiator.RekeyChild(initiator.Children[0]);
                    break;
                case "rekey-ike":
                    initiator.RekeyIkeSa();
                    break;
                case "delete-child":
                    initiator.DeleteChild(initiator.Children[0], "seed");
                    break;
                default:
                    initiator.Delete("seed");
                    break;
            }

            if (initiatorHost.Outbox.TryDequeue(out byte[]? request) && TryOpen(responder, request, out DecryptedMessage opened))
            {
                byte[] chain = new byte[opened.Inner.Sum(x => x.GetSerializedLength())];
                var writer = new MessageWriter(chain);
                foreach (IkePayload payload in opened.Inner)
                {
                    _ = writer.TryAdd(payload);
                }

                _ = writer.TryFinish(out int length);
                byte first = (byte)(opened.Inner.Count > 0 ? opened.Inner[0].Type : PayloadType.None);
                yield return ($"established-{action}.bin", new InputWriter().Byte(0x80)
                    .Byte(1).Byte((int)opened.Header.ExchangeType).Byte(0).Byte(0).Byte(first).Block16(chain.AsSpan(0, length))
                    .Byte(0).Block16(request)
                    .ToArray());
            }

            responder.Dispose();
            initiator.Dispose();
        }
    }
}

/// <summary>A deterministic IKE SA host: seeded randomness, a clock that only the fuzz input moves, an outbox.</summary>
internal sealed class FuzzIkeHost(int seed, uint spiBase) : IIkeSaHost
{
    private readonly Random _random = new(seed);
    private uint _nextSpi = spiBase;

    public ManualClock Clock { get; } = new();

    public TimeProvider Time => Clock;

    public Queue<byte[]> Outbox { get; } = new();

    public void FillRandom(Span<byte> destination) => _random.NextBytes(destination);

    public void Send(IkeSa sa, byte[] message, IPEndPoint local, IPEndPoint remote)
    {
        if (Outbox.Count < 64)
        {
            Outbox.Enqueue(message);
        }
    }

    public uint AllocateChildSpi() => _nextSpi++;

    public void ReleaseChildSpi(uint spi)
    {
    }

    public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason)
    {
        reason = string.Empty;
        return true;
    }

    public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr)
    {
        narrowedTsi = tsi;
        narrowedTsr = tsr;
        return true;
    }

    public void OnEstablished(IkeSa sa)
    {
    }

    public void OnChildSaUp(IkeSa sa, ChildSa child)
    {
    }

    public void OnChildSaOutboundActive(IkeSa sa, ChildSa child)
    {
    }

    public void OnRekeyed(IkeSa old, IkeSa replacement)
    {
    }

    public void OnChildSaDown(IkeSa sa, ChildSa child)
    {
    }

    public void OnClosed(IkeSa sa, string reason)
    {
    }

    /// <summary>Time that moves only when told (starts at 2026-11-25 12:00 UTC).</summary>
    internal sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
