using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Distribution;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// <c>policy.pull</c> without a network: a file location polled by time and size through the real
/// <see cref="BundlePuller"/> and <see cref="PolicyService"/>, the HTTP source's conditional requests against a
/// scripted handler, and the poll schedule. The real web server (nginx) is in interop-tests/Daemon/DaemonBundlePullTests.
/// </summary>
public sealed class BundlePullTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
    private readonly BundlePrivateKey _key = BundleSigner.GenerateKeyPair();

    public BundlePullTests() => File.WriteAllText(_dir.File("signer.pub"), _key.PublicKey.ToKeyFile());

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_file_location_is_applied_then_not_modified_then_a_new_bundle_applied_and_bad_ones_refused_keeping_the_good_policy()
    {
        Publish(Sign(Figure1.Source, 1), 1);
        HostConfig config = Load("""{ "policy": { "pull": { "location": "pub/p.bundle", "intervalSeconds": 5 }, "signerKey": "signer.pub", "stateDirectory": "state" }, "control": { "socket": "/run/x.sock" } }""");
        var policy = new PolicyService(_time, NullLogger<PolicyService>.Instance);
        var counters = new BundlePullCounters();
        using var puller = new BundlePuller(new DaemonState(_dir.File("config.json"), config, _time.GetUtcNow()), policy, counters, NullLogger<BundlePuller>.Instance);

        Assert.False(policy.Load(config));
        Assert.Contains("no bundle has been pulled from pub/p.bundle yet", policy.LastError, StringComparison.Ordinal);
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(1, policy.Current!.Snapshot.Version);
        Assert.Null(policy.LastError);
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal((2, 1, 1), (counters.Get("fetches"), counters.Get("applied"), counters.Get("not_modified")));

        Publish(Sign(Figure1.SourceWithSsh, 2), 2);
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(2, policy.Current!.Snapshot.Version);
        Assert.Equal(2, counters.Get("applied"));

        byte[] forged = Sign(Figure1.Source, 3);
        forged[15] ^= 0x01;
        Publish(forged, 3);
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(2, policy.Current!.Snapshot.Version);
        Assert.Equal(1, counters.Get("refused.bad_signature"));
        Assert.Contains("the bundle from", policy.LastError, StringComparison.Ordinal);
        Assert.EndsWith("; the last good policy stays", policy.LastError, StringComparison.Ordinal);

        // The refused bytes are remembered: not read again, and the refusal stays visible.
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(2, counters.Get("not_modified"));
        Assert.Contains("does not verify", policy.LastError, StringComparison.Ordinal);

        Publish(Sign(Figure1.Source, 1), 4);
        Assert.True(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(1, counters.Get("refused.rollback"));

        File.Delete(_dir.File("pub/p.bundle"));
        Assert.False(await puller.PollAsync(CancellationToken.None));
        Assert.Equal(1, counters.Get("errors.io"));
        Assert.Equal(2, policy.Current!.Snapshot.Version);
        Assert.Contains("pulling the policy failed (io)", policy.LastError, StringComparison.Ordinal);

        // After a restart the last good bundle comes back from the store, and the same bundle served again is "unchanged".
        Publish(File.ReadAllBytes(Path.Combine(_dir.File("state"), BundleStore.BundleFileName)), 5);
        var restarted = new PolicyService(_time, NullLogger<PolicyService>.Instance);
        var counters2 = new BundlePullCounters();
        using var puller2 = new BundlePuller(new DaemonState(_dir.File("config.json"), config, _time.GetUtcNow()), restarted, counters2, NullLogger<BundlePuller>.Instance);
        Assert.True(restarted.Load(config));
        Assert.Equal(2, restarted.Current!.Snapshot.Version);
        Assert.True(await puller2.PollAsync(CancellationToken.None));
        Assert.Equal(1, counters2.Get("unchanged"));
        Assert.Null(restarted.LastError);
    }

    [Fact]
    public async Task The_http_source_asks_conditionally_with_the_remembered_ETag_and_date_and_bounds_the_body()
    {
        var handler = new ScriptedHandler();
        using var source = new HttpBundleSource(new Uri("https://198.18.0.9/p.bundle?token=secret"), TimeSpan.FromSeconds(5), handler);
        Assert.Equal("https://198.18.0.9/p.bundle?(query hidden)", source.Description);

        handler.Next = _ => Ok([1, 2, 3], "\"v1\"");
        BundleFetch first = await source.FetchAsync(CancellationToken.None);
        Assert.Equal(BundleFetchStatus.Fetched, first.Status);
        Assert.Equal([1, 2, 3], first.Body);
        Assert.Null(handler.Last!.Headers.IfNoneMatch.FirstOrDefault());

        source.Remember(first);
        handler.Next = _ => new HttpResponseMessage(HttpStatusCode.NotModified);
        Assert.Equal(BundleFetchStatus.NotModified, (await source.FetchAsync(CancellationToken.None)).Status);
        Assert.Equal("\"v1\"", handler.Last!.Headers.IfNoneMatch.Single().ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero), handler.Last.Headers.IfModifiedSince);

        source.Remember(null);
        handler.Next = _ => new HttpResponseMessage(HttpStatusCode.NotModified);
        BundleFetch unasked = await source.FetchAsync(CancellationToken.None);
        Assert.Equal(("http_status", BundleFetchStatus.Failed), (unasked.ErrorKind, unasked.Status));
        Assert.Empty(handler.Last!.Headers.IfNoneMatch);

        handler.Next = _ => new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" };
        BundleFetch missing = await source.FetchAsync(CancellationToken.None);
        Assert.Equal("HTTP 404 Not Found from https://198.18.0.9/p.bundle?(query hidden)", missing.Error);
        Assert.DoesNotContain("secret", missing.Error, StringComparison.Ordinal);

        handler.Next = _ => Ok(new byte[PullOptions.MaxBundleBytes + 1], null);
        Assert.Equal("too_large", (await source.FetchAsync(CancellationToken.None)).ErrorKind);

        handler.Next = _ => throw new HttpRequestException("connection refused");
        Assert.Equal("network", (await source.FetchAsync(CancellationToken.None)).ErrorKind);
    }

    [Fact]
    public void A_location_with_a_user_name_and_password_is_refused()
    {
        ConfigLoadResult result = ConfigLoader.Load(_dir.Write("config.json", """
            { "policy": { "pull": { "location": "https://admin:secret@198.18.0.1/p.bundle" }, "signerKey": "signer.pub", "stateDirectory": "state" }, "control": { "socket": "/run/x.sock" } }
            """));
        Assert.Equal(["policy.pull.location: has a user name or password in the URL; credentials in the location are not supported (they would end up in logs)"],
            result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData(60, 0, 0.0, 48)]
    [InlineData(60, 0, 1.0, 72)]
    [InlineData(60, 1, 0.5, 120)]
    [InlineData(60, 4, 0.5, 960)]
    [InlineData(60, 9, 0.5, 960)]
    [InlineData(600, 9, 0.5, 3600)]
    [InlineData(7200, 3, 0.5, 7200)]
    public void The_schedule_varies_the_interval_and_backs_off_after_failures(int interval, int failures, double random, double seconds) =>
        Assert.Equal(seconds, PullSchedule.Next(TimeSpan.FromSeconds(interval), failures, random).TotalSeconds, 6);

    private static HttpResponseMessage Ok(byte[] body, string? etag)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        if (etag is not null)
        {
            response.Headers.ETag = System.Net.Http.Headers.EntityTagHeaderValue.Parse(etag);
        }

        response.Content.Headers.LastModified = new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);
        return response;
    }

    private void Publish(byte[] bundle, int second)
    {
        Directory.CreateDirectory(_dir.File("pub"));
        string path = _dir.File("pub/p.bundle");
        File.WriteAllBytes(path, bundle);
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, second, DateTimeKind.Utc));
    }

    private HostConfig Load(string json)
    {
        ConfigLoadResult result = ConfigLoader.Load(_dir.Write("config.json", json));
        Assert.True(result.Succeeded, string.Join("\n", result.FormatErrors()));
        return result.Config!;
    }

    private byte[] Sign(string source, ulong serial)
    {
        CompiledPolicy policy = CompiledPolicy.FromSource(source, "p.pol", out _)!;
        return BundleSigner.Sign(_key, policy, serial, _time.GetUtcNow(), _time.GetUtcNow().AddDays(30)).Encoded.ToArray();
    }

    private sealed class ScriptedHandler : HttpMessageHandler
    {
        public Func<HttpRequestMessage, HttpResponseMessage> Next { get; set; } = _ => new HttpResponseMessage(HttpStatusCode.InternalServerError);

        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            return Task.FromResult(Next(request));
        }
    }
}
