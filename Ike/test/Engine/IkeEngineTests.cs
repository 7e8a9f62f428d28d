using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Sa;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>The engine's dispatch, cookies (RFC 7296 2.6) and half-open limit, with two engines joined in process.</summary>
public sealed class IkeEngineTests
{
    private static readonly IPAddress Left = IPAddress.Parse("198.18.0.1"), Right = IPAddress.Parse("198.18.0.2");

    [Fact]
    public async Task Two_engines_establish_and_delete()
    {
        var link = new EngineLink();
        var sinkL = new CountingSink();
        var sinkR = new CountingSink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), sinkL, null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), sinkR, IkePair.Config("right.example.com", "k"));
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        IkeSa sa = await left.InitiateAsync(IkePair.Config("left.example.com", "k"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        // Read on the loops: the state and the installed pairs change together there.
        Assert.True(await Until(async () => await left.InvokeAsync(() => sa.State == IkeSaState.Established && sinkL.UpCount == 1)
            && await right.InvokeAsync(() => sinkR.UpCount == 1)));
        Assert.Equal(1, Volatile.Read(ref sinkL.UpCount));
        Assert.Equal(1, Volatile.Read(ref sinkR.UpCount));

        await left.ShutdownAsync(TimeSpan.FromSeconds(5));
        Assert.True(await Until(async () => (await right.SnapshotAsync()).Count == 0));
        Assert.Equal(1, sinkR.DownCount);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task The_responder_answers_a_known_address_with_that_peers_configuration()
    {
        // The default responder configuration has the wrong PSK for left; the one chosen by left's address has the
        // right one. Without the selector, IKE_AUTH fails.
        var link = new EngineLink();
        var sinkL = new CountingSink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), sinkL, null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "other"));
        IkeSaConfig forLeft = IkePair.Config("right.example.com", "k") with { Name = "for-left" };
        right.ResponderConfigSelector = remote => remote.Address.Equals(Left) ? forLeft : null;
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        IkeSa sa = await left.InitiateAsync(IkePair.Config("left.example.com", "k"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(async () => await left.InvokeAsync(() => sa.State == IkeSaState.Established)));
        IkeSa answered = Assert.Single(await right.SnapshotAsync());
        Assert.Equal("for-left", answered.Config.Name);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task A_flood_of_spoofed_ike_sa_init_engages_cookies_and_a_real_peer_still_connects()
    {
        var link = new EngineLink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k") with { HalfOpenTimeout = TimeSpan.FromMinutes(10) },
            cookieThreshold: 10, maxHalfOpen: 100);
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        // 300 IKE_SA_INIT requests from spoofed sources 198.18.100.0-198.18.101.43 (their answers go nowhere). The
        // half-open SAs must outlive the flood (a key pair each: over 30 s on a loaded machine), or expiries let more in.
        var spoofer = new LoopbackHost(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), 9, 1);
        for (int i = 0; i < 300; i++)
        {
            var source = new IPEndPoint(new IPAddress([198, 18, (byte)(100 + (i / 256)), (byte)(i % 256)]), 500);
            IkeSa fake = IkeSa.Initiate(IkePair.Config("bot.example.com", "x", "aes256gcm16-prfsha384-ecp384"), spoofer, source, new IPEndPoint(Right, 500));
            var (message, _, _) = spoofer.Outbox.Dequeue();
            right.Post(message, new IPEndPoint(Right, 500), source);
            fake.Close("flood");
        }

        Assert.True(await Until(async () => await right.InvokeAsync(() => right.Counters.Received) >= 300));
        int halfOpen = (await right.SnapshotAsync()).Count(s => s.State == IkeSaState.InitAnswered);
        Assert.Equal(10, halfOpen);
        Assert.Equal(290, right.Counters.CookiesSent);

        IkeSa real = await left.InitiateAsync(IkePair.Config("left.example.com", "k", "aes256gcm16-prfsha384-ecp384"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => real.State == IkeSaState.Established)), real.CloseReason);
        Assert.Equal(291, right.Counters.CookiesSent);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task A_flood_answered_by_the_receive_side_screen_engages_cookies_and_a_real_peer_still_connects()
    {
        var link = new EngineLink { Screening = true };
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k") with { HalfOpenTimeout = TimeSpan.FromMinutes(10) },
            cookieThreshold: 10, maxHalfOpen: 100);
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        // The first 10 make half-open SAs on the loop; then the screen answers without the loop.
        var spoofer = new LoopbackHost(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), 9, 1);
        byte[] answer = new byte[CookieScreen.ResponseLength];
        int screened = 0;
        for (int i = 0; i < 300; i++)
        {
            var source = new IPEndPoint(new IPAddress([198, 18, (byte)(100 + (i / 256)), (byte)(i % 256)]), 500);
            IkeSa fake = IkeSa.Initiate(IkePair.Config("bot.example.com", "x", "aes256gcm16-prfsha384-ecp384"), spoofer, source, new IPEndPoint(Right, 500));
            var (message, _, _) = spoofer.Outbox.Dequeue();
            fake.Close("flood");
            if (right.Screen(message, source.Address.GetAddressBytes(), answer) == CookieScreenResult.Forward)
            {
                right.Post(message, new IPEndPoint(Right, 500), source);
            }
            else
            {
                screened++;
            }

            if (i == 9)
            {
                Assert.True(await Until(async () => await right.InvokeAsync(() => right.Counters.HalfOpen) == 10));
            }
        }

        Assert.True(await Until(async () => await right.InvokeAsync(() => right.Counters.Received) >= 300));
        Assert.Equal(290, screened);
        Assert.Equal(10, (await right.SnapshotAsync()).Count(s => s.State == IkeSaState.InitAnswered));
        Assert.Equal(290, right.Counters.CookiesSent);

        IkeSa real = await left.InitiateAsync(IkePair.Config("left.example.com", "k", "aes256gcm16-prfsha384-ecp384"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => real.State == IkeSaState.Established)), real.CloseReason);
        Assert.Equal(291, right.Counters.CookiesSent);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task The_half_open_limit_drops_and_counts()
    {
        var link = new EngineLink();
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"),
            cookieThreshold: 1000, maxHalfOpen: 20);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loop = right.RunAsync(stop.Token);
        var spoofer = new LoopbackHost(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), 9, 1);
        for (int i = 0; i < 50; i++)
        {
            var source = new IPEndPoint(new IPAddress([198, 18, 100, (byte)i]), 500);
            IkeSa.Initiate(IkePair.Config("bot.example.com", "x", "aes256gcm16-prfsha384-ecp384"), spoofer, source, new IPEndPoint(Right, 500)).Close("flood");
            right.Post(spoofer.Outbox.Dequeue().Message, new IPEndPoint(Right, 500), source);
        }

        Assert.True(await Until(async () => await right.InvokeAsync(() => right.Counters.Received) >= 50));
        Assert.Equal(20, (await right.SnapshotAsync()).Count);
        Assert.Equal(30, right.Counters.DroppedHalfOpenLimit);
        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public void Half_open_sas_are_counted_and_their_expiry_returns_the_count_to_zero()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        IkeSaConfig config = IkePair.Config("right.example.com", "k") with { HalfOpenTimeout = TimeSpan.FromSeconds(5) };
        using var right = new IkeEngine(new EngineLink().TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), config,
            time, cookieThreshold: 1000);
        var spoofer = new LoopbackHost(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), 9, 1);
        for (int i = 0; i < 20; i++)
        {
            var source = new IPEndPoint(new IPAddress([198, 18, 100, (byte)i]), 500);
            IkeSa.Initiate(IkePair.Config("bot.example.com", "x", "aes256gcm16-prfsha384-ecp384"), spoofer, source, new IPEndPoint(Right, 500)).Close("gone");
            right.Handle(spoofer.Outbox.Dequeue().Message, new IPEndPoint(Right, 500), source);
        }

        Assert.Equal(20, right.Counters.HalfOpen);
        time.Advance(TimeSpan.FromSeconds(4));
        right.OnTimer();
        Assert.Equal(20, right.Counters.HalfOpen);
        Assert.Equal(0, right.Counters.HalfOpenExpired);

        time.Advance(TimeSpan.FromSeconds(2));
        right.OnTimer();
        Assert.Equal(0, right.Counters.HalfOpen);
        Assert.Equal(20, right.Counters.HalfOpenExpired);
        Assert.Equal(0, right.Counters.AuthFailed);
    }

    [Fact]
    public async Task A_refused_ike_auth_is_counted_by_reason_and_not_as_an_expiry()
    {
        var link = new EngineLink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "other"));
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        IkeSa sa = await left.InitiateAsync(IkePair.Config("left.example.com", "k"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.State == IkeSaState.Closed)));
        Assert.True(await Until(() => right.InvokeAsync(() => right.Counters.AuthFailed == 1)));
        Assert.Equal(1, right.Counters.AuthFailures(IpsecFw.Ike.Auth.AuthFailure.BadSignature));
        Assert.Equal(0, right.Counters.AuthFailures(IpsecFw.Ike.Auth.AuthFailure.NotAllowed));
        Assert.Equal(0, right.Counters.HalfOpen);
        Assert.Equal(0, right.Counters.HalfOpenExpired);
        Assert.Equal(0, left.Counters.AuthFailed); // the initiator was refused; it refused nothing
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task An_ike_auth_with_nine_cert_payloads_is_refused_with_invalid_syntax_and_counted()
    {
        var link = new EngineLink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"));
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        IkeSaConfig config = IkePair.Config("left.example.com", "k");
        config = config with { Authenticator = new NineCertificates(config.Authenticator) };
        IkeSa sa = await left.InitiateAsync(config, new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.State == IkeSaState.Closed)));
        Assert.Contains(nameof(NotifyType.InvalidSyntax), sa.CloseReason, StringComparison.Ordinal);
        Assert.True(await Until(() => right.InvokeAsync(() => right.Counters.AuthInvalidSyntax == 1)));
        Assert.Equal(0, right.Counters.AuthFailed);
        Assert.Equal(0, right.Counters.HalfOpen);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public void Datagrams_beyond_the_work_queue_are_dropped_and_counted()
    {
        // No loop runs, so nothing is taken off the queue.
        using var right = new IkeEngine(new EngineLink().TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"));
        for (int i = 0; i < IkeEngine.WorkQueueCapacity + 25; i++)
        {
            right.Post(new byte[28], new IPEndPoint(Right, 500), new IPEndPoint(Left, 500));
        }

        Assert.Equal(25, right.Counters.DroppedQueueFull);
        Assert.True(right.InvokeAsync(() => 0).IsFaulted); // a call that finds the queue full fails at once, it does not hang
    }

    [Fact]
    public void Garbage_and_unknown_spis_are_counted_not_thrown()
    {
        var link = new EngineLink();
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"));
        var random = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            byte[] junk = new byte[random.Next(0, 200)];
            random.NextBytes(junk);
            if (junk.Length >= 28 && i % 2 == 0)
            {
                junk[17] = 0x20; // version 2.0
                junk[18] = (byte)ExchangeType.Informational;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(junk.AsSpan(24), (uint)junk.Length);
            }

            right.Handle(junk, new IPEndPoint(Right, 500), new IPEndPoint(Left, 500));
        }

        Assert.Equal(2000, right.Counters.DroppedMalformed + right.Counters.DroppedUnknownSpi);
        Assert.True(right.Counters.DroppedUnknownSpi > 0);
    }

    private static async Task<bool> Until(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>A PSK authenticator that also sends nine CERT payloads (the IKE_AUTH rules allow eight).</summary>
    private sealed class NineCertificates(IpsecFw.Ike.Auth.IIkeAuthenticator inner) : IpsecFw.Ike.Auth.IIkeAuthenticator
    {
        public IpsecFw.Ike.Auth.LocalIdentity LocalId => inner.LocalId;

        public IReadOnlyList<IpsecFw.Ike.Messages.Payloads.CertPayload> LocalCertificates { get; } =
            [.. Enumerable.Range(0, 9).Select(_ => new IpsecFw.Ike.Messages.Payloads.CertPayload(CertEncoding.X509Signature, new byte[64]))];

        public IpsecFw.Ike.Messages.Payloads.CertReqPayload? CertificateRequest => inner.CertificateRequest;

        public IReadOnlyList<ushort> SupportedSignatureHashes => inner.SupportedSignatureHashes;

        public IpsecFw.Ike.Messages.Payloads.AuthPayload Sign(ReadOnlySpan<byte> signedOctets, IReadOnlyList<ushort> peerSignatureHashes, IpsecFw.Ike.Keys.Prf prf) =>
            inner.Sign(signedOctets, peerSignatureHashes, prf);

        public IpsecFw.Ike.Auth.AuthVerification Verify(IpsecFw.Ike.Messages.Payloads.IdPayload peerId, IReadOnlyList<IpsecFw.Ike.Messages.Payloads.CertPayload> peerCertificates,
            IpsecFw.Ike.Messages.Payloads.AuthPayload auth, ReadOnlySpan<byte> signedOctets, IpsecFw.Ike.Keys.Prf prf) =>
            inner.Verify(peerId, peerCertificates, auth, signedOctets, prf);
    }
}
