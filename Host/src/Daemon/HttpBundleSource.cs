using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// A bundle on a web server or object store: a GET conditional on the ETag (<c>If-None-Match</c>, RFC 9110 13.1.2)
/// and the Last-Modified date (<c>If-Modified-Since</c>, RFC 9110 13.1.3) of the last body judged. 304 means nothing
/// changed; 200 gives a body of at most <see cref="PullOptions.MaxBundleBytes"/> (a larger Content-Length is refused
/// before reading, a longer body while reading); anything else is a failure. HTTPS chains are checked against the
/// configured CA certificates only (<see cref="X509ChainTrustMode.CustomRootTrust"/>) or, without any, the system's
/// trust store; the server's name is always checked. No proxy, no cookies, no compression, at most 3 redirects (never
/// from https to http).
/// </summary>
public sealed class HttpBundleSource : IBundleSource
{
    private readonly Uri _uri;
    private readonly TimeSpan _timeout;
    private readonly HttpClient _client;
    private Validators? _remembered;

    /// <summary>A source for <paramref name="uri"/>, trusting <paramref name="caCertificates"/> (empty: the system store).</summary>
#pragma warning disable CA2000 // The HttpClient owns the handler (disposeHandler: true) and disposes it with this source.
    public HttpBundleSource(Uri uri, IReadOnlyCollection<X509Certificate2> caCertificates, TimeSpan timeout)
        : this(uri, timeout, CreateHandler(caCertificates, timeout))
    {
    }
#pragma warning restore CA2000

    /// <summary>A source that sends through <paramref name="handler"/> (tests).</summary>
    internal HttpBundleSource(Uri uri, TimeSpan timeout, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(uri);
        _uri = uri;
        _timeout = timeout;
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        Description = Describe(uri);
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The URL without user information, query or fragment (a presigned URL's query is a credential).</summary>
    public static string Describe(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}{(uri.Query.Length > 0 ? "?(query hidden)" : string.Empty)}";
    }

    /// <inheritdoc/>
    public async Task<BundleFetch> FetchAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        if (_remembered is { } v)
        {
            if (v.ETag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", v.ETag);
            }

            if (v.LastModified is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Modified-Since", v.LastModified);
            }
        }

        try
        {
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return _remembered is null
                    ? BundleFetch.Failed("http_status", "HTTP 304 Not Modified to a request that was not conditional")
                    : BundleFetch.NotModified;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return BundleFetch.Failed("http_status", string.Create(CultureInfo.InvariantCulture,
                    $"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {Description}"));
            }

            if (response.Content.Headers.ContentLength is > PullOptions.MaxBundleBytes)
            {
                return TooLarge($"the server announces {response.Content.Headers.ContentLength} bytes");
            }

            byte[]? body = await ReadBoundedAsync(response.Content, bound.Token).ConfigureAwait(false);
            if (body is null)
            {
                return TooLarge("the body is longer");
            }

            string? etag = response.Headers.ETag?.ToString();
            string? lastModified = response.Content.Headers.LastModified?.ToString("r", CultureInfo.InvariantCulture);
            return BundleFetch.Fetched(body, etag is null && lastModified is null ? null : new Validators(etag, lastModified));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return BundleFetch.Failed("timeout", string.Create(CultureInfo.InvariantCulture,
                $"no complete answer from {Description} within {_timeout.TotalSeconds} s"));
        }
        catch (HttpRequestException e) when (Find<AuthenticationException>(e) is { } tls)
        {
            return BundleFetch.Failed("tls", $"TLS with {Description} failed: {tls.Message}");
        }
        catch (HttpRequestException e)
        {
            return BundleFetch.Failed("network", $"cannot fetch {Description}: {Find<SocketException>(e)?.Message ?? e.Message}");
        }
        catch (IOException e)
        {
            return BundleFetch.Failed("network", $"reading from {Description} failed: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public void Remember(BundleFetch? fetch) => _remembered = fetch?.Validator as Validators;

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > PullOptions.MaxBundleBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
    }

    private BundleFetch TooLarge(string what) => BundleFetch.Failed("too_large", string.Create(CultureInfo.InvariantCulture,
        $"{what} than the {PullOptions.MaxBundleBytes} bytes a bundle may have ({Description}); not read"));

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static SocketsHttpHandler CreateHandler(IReadOnlyCollection<X509Certificate2> caCertificates, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (caCertificates.Count > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            foreach (X509Certificate2 ca in caCertificates)
            {
                policy.CustomTrustStore.Add(ca);
            }

            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }

    private sealed record Validators(string? ETag, string? LastModified);
}
