namespace IpsecFw.Host.Control;

/// <summary>Answers one control request. Called concurrently for different clients.</summary>
public interface IControlHandler
{
    /// <summary>The response to <paramref name="request"/> (an unknown command is a failure response, not an exception).</summary>
    ValueTask<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken);
}
