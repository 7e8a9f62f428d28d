using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Sa;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>
/// The limit of half-open responder SAs per source address (strongSwan's <c>charon.block_threshold</c>), checked after
/// the cookie (RFC 7296 2.6): the engine stepped by hand with <see cref="IkeEngine.Handle"/> and fake time, initiators
/// as bare <see cref="IkeSa"/>s on a <see cref="LoopbackHost"/>.
/// </summary>
public sealed class HalfOpenPerSourceTests
{
    private static readonly IPEndPoint Responder = new(IPAddress.Parse("198.18.0.2"), 500);
    private static readonly IPEndPoint SourceA = new(IPAddress.Parse("198.18.0.1"), 500);
    private static readonly IPEndPoint SourceB = new(IPAddress.Parse("198.18.0.3"), 500);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingTransport _wire = new();
    private int _seed = 100;

    [Fact]
    public void The_sixth_half_open_sa_from_one_address_is_dropped_unanswered_and_counted_while_other_addresses_are_served()
    {
        using IkeEngine engine = Engine(cookieThreshold: 1000);
        Assert.Equal(5, engine.HalfOpenPerSource);
        Assert.Equal(IkeEngine.DefaultHalfOpenPerSource, engine.HalfOpenPerSource);

        byte[] first = InitRequest(SourceA);
        Assert.Equal(Answer.Sa, Send(engine, first, SourceA));
        for (int i = 2; i <= 5; i++)
        {
            Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceA), SourceA));
        }

        Assert.Equal(Answer.None, Send(engine, InitRequest(SourceA), SourceA));
        Assert.Equal(1, engine.Counters.DroppedPerSourceLimit);
        // From another port of the same address, and as an IPv4-mapped IPv6 address: the same source.
        Assert.Equal(Answer.None, Send(engine, InitRequest(new IPEndPoint(SourceA.Address, 4500)), new IPEndPoint(SourceA.Address, 4500)));
        var mapped = new IPEndPoint(SourceA.Address.MapToIPv6(), 500);
        Assert.Equal(Answer.None, Send(engine, InitRequest(mapped), mapped));
        Assert.Equal(3, engine.Counters.DroppedPerSourceLimit);
        Assert.Equal(5, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(5, engine.HalfOpenFrom(mapped.Address));

        // The first request repeated belongs to its half-open SA: answered again, not counted as a new one.
        Assert.Equal(Answer.Sa, Send(engine, first, SourceA));
        Assert.Equal(3, engine.Counters.DroppedPerSourceLimit);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceB), SourceB));
        }

        Assert.Equal(8, engine.Counters.HalfOpen);
        Assert.Equal(2, engine.Counters.HalfOpenSources);
        Assert.Equal(3, engine.HalfOpenFrom(SourceB.Address));
        Assert.Equal(0, engine.Counters.DroppedHalfOpenLimit);
        Assert.Equal(0, engine.Counters.CookiesSent);

        // Expiry gives the slots back: the table is empty again, and the address is served.
        _time.Advance(TimeSpan.FromSeconds(6));
        engine.OnTimer();
        Assert.Equal(8, engine.Counters.HalfOpenExpired);
        Assert.Equal(0, engine.Counters.HalfOpen);
        Assert.Equal(0, engine.Counters.HalfOpenSources);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(0, engine.HalfOpenFrom(SourceB.Address));
        Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceA), SourceA));
        Assert.Equal(1, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(3, engine.Counters.DroppedPerSourceLimit);
    }

    [Fact]
    public void A_completed_or_failed_ike_auth_gives_its_slot_back()
    {
        using IkeEngine engine = Engine(cookieThreshold: 1000, perSource: 1);

        // The only slot of A is held while IKE_AUTH is pending: a second initiator from A is dropped.
        (IkeSa first, LoopbackHost firstHost) = Initiator(SourceA, "k");
        Step(engine, firstHost, first, requests: 1);
        Assert.Equal(IkeSaState.AuthSent, first.State);
        Assert.Equal(1, engine.Counters.HalfOpen);
        Assert.Equal(1, engine.HalfOpenFrom(SourceA.Address));
        (IkeSa blocked, LoopbackHost blockedHost) = Initiator(SourceA, "k");
        Pump(engine, blockedHost, blocked);
        Assert.Equal(1, engine.Counters.DroppedPerSourceLimit);
        Assert.Equal(IkeSaState.InitSent, blocked.State);

        // IKE_AUTH completes: the slot is free, and the next initiator from A gets it and completes too.
        Pump(engine, firstHost, first);
        Assert.Equal(IkeSaState.Established, first.State);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(0, engine.Counters.HalfOpenSources);
        (IkeSa second, LoopbackHost secondHost) = Initiator(SourceA, "k");
        Pump(engine, secondHost, second);
        Assert.Equal(IkeSaState.Established, second.State);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));

        // A refused IKE_AUTH (wrong PSK): AUTHENTICATION_FAILED, and the slot is free again as well.
        (IkeSa wrong, LoopbackHost wrongHost) = Initiator(SourceA, "not-k");
        Pump(engine, wrongHost, wrong);
        Assert.Equal(IkeSaState.Closed, wrong.State);
        Assert.Equal(1, engine.Counters.AuthFailed);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(0, engine.Counters.HalfOpen);
        Assert.Equal(0, engine.Counters.HalfOpenSources);
        Assert.Equal(1, engine.Counters.DroppedPerSourceLimit);
        Assert.Equal(0, engine.Counters.HalfOpenExpired);
    }

    [Fact]
    public void While_cookies_are_required_requests_without_one_get_a_cookie_and_hold_no_slot_and_only_returned_cookies_count_against_the_limit()
    {
        using IkeEngine engine = Engine(cookieThreshold: 2, perSource: 3);
        Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceB), SourceB));
        Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceB), SourceB));
        Assert.Equal(2, engine.Counters.HalfOpen); // cookies are required from here on

        // A spoofed flood "from" A (no cookie returned): every request is answered with a cookie, none holds a slot,
        // none is dropped by the limit (a forged source cannot use up a real address's share).
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(Answer.Cookie, Send(engine, InitRequest(SourceA), SourceA));
        }

        Assert.Equal(20, engine.Counters.CookiesSent);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(0, engine.Counters.DroppedPerSourceLimit);

        // Real initiators at A return the cookie: three get half-open SAs, the fourth is dropped after its cookie.
        var stuck = new List<IkeSa>();
        for (int i = 0; i < 4; i++)
        {
            (IkeSa sa, LoopbackHost host) = Initiator(SourceA, "k");
            Step(engine, host, sa, requests: 2); // IKE_SA_INIT, then IKE_SA_INIT with the cookie
            stuck.Add(sa);
        }

        Assert.Equal(24, engine.Counters.CookiesSent);
        Assert.Equal(3, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(1, engine.Counters.DroppedPerSourceLimit);
        Assert.Equal([IkeSaState.AuthSent, IkeSaState.AuthSent, IkeSaState.AuthSent, IkeSaState.InitSent], stuck.Select(s => s.State));
        Assert.Equal(5, engine.Counters.HalfOpen);
        Assert.Equal(2, engine.Counters.HalfOpenSources);

        _time.Advance(TimeSpan.FromSeconds(6));
        engine.OnTimer();
        Assert.Equal(0, engine.Counters.HalfOpen);
        Assert.Equal(0, engine.Counters.HalfOpenSources);
        Assert.Equal(0, engine.HalfOpenFrom(SourceA.Address));
    }

    [Fact]
    public void Zero_turns_the_limit_off()
    {
        using IkeEngine engine = Engine(cookieThreshold: 1000, perSource: 0);
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(Answer.Sa, Send(engine, InitRequest(SourceA), SourceA));
        }

        Assert.Equal(30, engine.HalfOpenFrom(SourceA.Address));
        Assert.Equal(0, engine.Counters.DroppedPerSourceLimit);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IkeEngine(_wire, new ConfiguredSelectorPolicy(), new CountingSink(), null, halfOpenPerSource: -1));
    }

    private enum Answer
    {
        None,
        Sa,
        Cookie,
        Other,
    }

    private IkeEngine Engine(int cookieThreshold, int perSource = IkeEngine.DefaultHalfOpenPerSource)
    {
        IkeSaConfig config = IkePair.Config("right.example.com", "k") with { HalfOpenTimeout = TimeSpan.FromSeconds(5) };
        return new IkeEngine(_wire, new ConfiguredSelectorPolicy(), new CountingSink(), config, _time, cookieThreshold: cookieThreshold, halfOpenPerSource: perSource);
    }

    /// <summary>A fresh IKE_SA_INIT request from <paramref name="from"/> (its own SPI and nonce); the initiator is gone.</summary>
    private byte[] InitRequest(IPEndPoint from)
    {
        var host = new LoopbackHost(new FakeTimeProvider(), _seed++, 1);
        IkeSa.Initiate(IkePair.Config("bot.example.com", "x"), host, from, Responder).Close("one request only");
        return host.Outbox.Dequeue().Message;
    }

    private (IkeSa Sa, LoopbackHost Host) Initiator(IPEndPoint from, string psk)
    {
        var host = new LoopbackHost(_time, _seed++, 0x1000);
        return (IkeSa.Initiate(IkePair.Config("left.example.com", psk), host, from, Responder), host);
    }

    /// <summary>Hands one request to the engine and classifies what it sent back.</summary>
    private Answer Send(IkeEngine engine, byte[] request, IPEndPoint from)
    {
        _wire.Sent.Clear();
        engine.Handle(request, Responder, from);
        if (!_wire.Sent.TryDequeue(out var sent))
        {
            return Answer.None;
        }

        Assert.Empty(_wire.Sent);
        Assert.Equal(from, sent.Remote);
        Assert.True(IkeMessage.TryDecode(sent.Message, out IkeMessage response, out _));
        return response.GetNotify(NotifyType.Cookie) is not null ? Answer.Cookie : response.Get<SaPayload>() is not null ? Answer.Sa : Answer.Other;
    }

    /// <summary>Delivers datagrams between <paramref name="initiator"/> and the engine until neither sends (bounded).</summary>
    private void Pump(IkeEngine engine, LoopbackHost host, IkeSa initiator) => Step(engine, host, initiator, requests: 20);

    /// <summary>Delivers at most <paramref name="requests"/> of the initiator's datagrams to the engine, each with the answers to it.</summary>
    private void Step(IkeEngine engine, LoopbackHost host, IkeSa initiator, int requests)
    {
        _wire.Sent.Clear();
        for (int i = 0; i < requests && host.Outbox.TryDequeue(out var request); i++)
        {
            engine.Handle(request.Message, request.Remote, request.Local);
            while (_wire.Sent.TryDequeue(out var response))
            {
                initiator.Receive(response.Message, response.Remote, response.Local);
            }
        }
    }
}
