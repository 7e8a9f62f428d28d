using IpsecFw.Host.Control;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>Runs the <see cref="ControlServer"/> for the daemon's lifetime, on the socket the configuration names at start.</summary>
public sealed class ControlSocketService(DaemonState state, IControlHandler handler, ILogger<ControlServer> logger)
    : IHostedService, IAsyncDisposable
{
    private ControlServer? _server;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new ControlServer(state.Config.Control.Socket, state.Config.Control.MaxClients, handler, logger);
        server.Start();
        _server = server;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        ControlServer? server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
