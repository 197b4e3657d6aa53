using BlockStore.Core.Outbox;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlockStore.Core.Messaging;

public static class BusSetup
{
    /// <summary>
    /// MassTransit on RabbitMQ (publisher confirms are on by default), plus the outbox dispatcher: the worker's bus.
    /// The API has none; it only writes outbox rows, and every worker's dispatcher publishes them (rows are claimed
    /// with SKIP LOCKED, so several workers compete safely).
    /// </summary>
    public static IServiceCollection AddBlockStoreBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var uri = new Uri(configuration["RabbitMq:Uri"]
                          ?? throw new InvalidOperationException("RabbitMq:Uri is not set (see `scripts/stack env`)."));
        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            consumers?.Invoke(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var (user, pass) = Credentials(uri);
                var vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), vhost.Length == 0 ? "/" : vhost, h =>
                {
                    h.Username(user);
                    h.Password(pass);
                    h.PublisherConfirmation = true;
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        services.Configure<OutboxOptions>(configuration.GetSection("Outbox"));
        services.AddHostedService<OutboxDispatcher>();
        return services;
    }

    private static (string User, string Pass) Credentials(Uri uri)
    {
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }
}
