using System.Net;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Sa;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>
/// Two IKE SAs joined by hand: every datagram one sends is delivered to the other only when the test pumps, so a test
/// can drop, duplicate, reorder or corrupt any message. Deterministic nonces and SPIs (seeded), fake time.
/// </summary>
internal sealed class IkePair
{
    public static readonly IPEndPoint InitiatorAddress = new(IPAddress.Parse("198.18.0.1"), 500);
    public static readonly IPEndPoint ResponderAddress = new(IPAddress.Parse("198.18.0.2"), 500);

    public IkePair(IkeSaConfig initiatorConfig, IkeSaConfig responderConfig)
    {
        InitiatorConfig = initiatorConfig;
        ResponderConfig = responderConfig;
        InitiatorHost = new LoopbackHost(Time, 1, 0x1000);
        ResponderHost = new LoopbackHost(Time, 2, 0x2000);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public IkeSaConfig InitiatorConfig { get; }

    public IkeSaConfig ResponderConfig { get; }

    public LoopbackHost InitiatorHost { get; }

    public LoopbackHost ResponderHost { get; }

    public IkeSa? Initiator { get; private set; }

    public IkeSa? Responder { get; private set; }

    public List<string> ResponderRefusals { get; } = [];

    public List<ExchangeType> Trace { get; } = [];

    public static IkeSaConfig Config(string name, string psk, string ike = "aes256gcm16-prfsha384-ecp384", string esp = "aes256gcm16-esn-noesn") =>
        new()
        {
            Name = name,
            Authenticator = new PskAuthenticator(Encoding.UTF8.GetBytes(psk), new LocalIdentity(IdType.Fqdn, Encoding.ASCII.GetBytes(name))),
            IkeProposals = IkeSaConfig.ParseProposals(ike, esp).Ike,
            EspProposals = IkeSaConfig.ParseProposals(ike, esp).Esp,
            DpdDelay = TimeSpan.FromSeconds(30),
        };

    public IkeSa Start()
    {
        Initiator = IkeSa.Initiate(InitiatorConfig, InitiatorHost, InitiatorAddress, ResponderAddress);
        return Initiator;
    }

    /// <summary>Delivers queued datagrams both ways until none is left (bounded).</summary>
    public void Pump(Func<byte[], bool>? deliver = null, int limit = 100)
    {
        for (int i = 0; i < limit; i++)
        {
            if (InitiatorHost.Outbox.TryDequeue(out var toResponder))
            {
                if (deliver is null || deliver(toResponder.Message))
                {
                    DeliverToResponder(toResponder.Message, toResponder.Local, toResponder.Remote);
                }
            }
            else if (ResponderHost.Outbox.TryDequeue(out var toInitiator))
            {
                if (deliver is null || deliver(toInitiator.Message))
                {
                    Record(toInitiator.Message);
                    Find([Initiator!, .. InitiatorHost.Rekeyed], toInitiator.Message)?.Receive(toInitiator.Message, toInitiator.Remote, toInitiator.Local);
                }
            }
            else
            {
                return;
            }
        }

        throw new InvalidOperationException("IKE conversation did not settle");
    }

    public void DeliverToResponder(byte[] message, IPEndPoint from, IPEndPoint to)
    {
        Record(message);
        Assert.True(IkeMessage.TryDecode(message, out IkeMessage m, out _) || Responder is not null);
        bool newInit = m is not null && m.Header.ExchangeType == ExchangeType.IkeSaInit && !m.Header.IsResponse && m.Header.ResponderSpi == 0;
        if (newInit && (Responder is null || Responder.State == IkeSaState.Closed))
        {
            IkeSa? created = IkeSa.Respond(ResponderConfig, ResponderHost, message, m!, to, from, null, out string? refusal);
            if (created is null)
            {
                ResponderRefusals.Add(refusal ?? "?");
            }
            else
            {
                Responder = created;
            }

            return;
        }

        if (Responder is null)
        {
            return;
        }

        Find([Responder, .. ResponderHost.Rekeyed], message)?.Receive(message, to, from);
    }

    /// <summary>The newest SA of a side (after IKE SA rekeys).</summary>
    public IkeSa LatestInitiatorSide => InitiatorHost.Rekeyed.Count > 0 ? InitiatorHost.Rekeyed[^1] : Initiator!;

    /// <summary>The newest SA of the responding side.</summary>
    public IkeSa LatestResponderSide => ResponderHost.Rekeyed.Count > 0 ? ResponderHost.Rekeyed[^1] : Responder!;

    private static IkeSa? Find(IEnumerable<IkeSa> sas, byte[] message)
    {
        if (!IkeHeader.TryRead(message, out IkeHeader h))
        {
            return null;
        }

        ulong spi = h.IsFromInitiator ? h.ResponderSpi : h.InitiatorSpi;
        return sas.FirstOrDefault(s => s.InitiatorSpi == h.InitiatorSpi && (s.LocalSpi == spi || s.ResponderSpi == 0));
    }

    public void Establish()
    {
        Start();
        Pump();
        Assert.Equal(IkeSaState.Established, Initiator!.State);
        Assert.Equal(IkeSaState.Established, Responder!.State);
    }

    private void Record(byte[] message)
    {
        if (IkeMessage.TryDecode(message, out IkeMessage m, out _))
        {
            Trace.Add(m.Header.ExchangeType);
        }
    }
}
