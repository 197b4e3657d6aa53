using System.Text.Json;
using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Types;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BlockStore.Api.Infrastructure;

/// <summary>The one road by which failures reach the client, as Cinder fault bodies.</summary>
public sealed partial class CinderExceptionHandler(ILogger<CinderExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var outage = DatabaseUnavailable(exception);
        var (status, message) = exception switch
        {
            ResourceNotFoundException e => (404, e.Message),
            InvalidRequestException e => (400, e.Message),
            PolicyNotAuthorizedException e => (403, e.Message),
            ForbiddenException e => (403, e.Message),
            UploadTooLargeException e => (413, e.Message),
            RangeNotSatisfiableException e => (416, e.Message),
            ConflictException e => (409, e.Message),
            QuotaExceededException e => (413, e.Message),
            ServiceUnavailableException e => (503, e.Message),
            // Another request changed the row between our read and our write: it won the transition, and
            // this one is refused as Cinder refuses a request in the wrong state.
            DbUpdateConcurrencyException e => (400, $"Invalid {ResourceOf(e)}: it changed state while this request was processed; the request was not applied."),
            // A unique index caught a race that the handler's own check could not see.
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
                (409, "The request conflicts with another one that created the same resource."),
            BadHttpRequestException { InnerException: JsonException je } => (400, JsonMessage(je)),
            BadHttpRequestException e when e.StatusCode == 415 => (415, "Unsupported Content-Type"),
            BadHttpRequestException e => (400, e.Message.Contains("body", StringComparison.OrdinalIgnoreCase) ? "Malformed request body" : e.Message),
            JsonException je => (400, JsonMessage(je)),
            // The reason (an address, a server message) goes to the log, not to the client.
            _ when outage is not null => (503, "The service is unavailable: its database cannot be reached. Retry later."),
            _ => (500, "The server has either erred or is incapable of performing the requested operation."),
        };
        if (status == 500) LogUnhandled(exception, http.Request.Method, http.Request.Path);
        else if (status == 503) LogUnavailable(http.Request.Method, http.Request.Path, outage ?? message);
        if (exception is RangeNotSatisfiableException range) http.Response.Headers.ContentRange = $"bytes */{range.Size}";
        await CinderFault.WriteAsync(http, status, message);
        return true;
    }

    private static string ResourceOf(DbUpdateConcurrencyException e) =>
        e.Entries.FirstOrDefault()?.Entity switch
        {
            Snapshot => "snapshot",
            VolumeType => "volume type",
            _ => "volume",
        };

    /// <summary>Names the field, as Cinder's schema validation does, when a value has the wrong type.</summary>
    private static string JsonMessage(JsonException e)
    {
        // A syntax error (truncated or invalid JSON) comes from the reader, wrapped; a value of the wrong
        // type comes from a converter and has a path to name.
        if (e.InnerException is JsonException) return "Malformed request body";
        var field = e.Path?.Split('.').LastOrDefault()?.Trim('$', '[', ']', '\'');
        return string.IsNullOrEmpty(field) || e.Path == "$"
            ? "Malformed request body"
            : $"Invalid input for field/attribute {field}. The value has the wrong type or is out of range.";
    }

    /// <summary>
    /// Why PostgreSQL could not serve the request, when that is what failed: it cannot be reached, it dropped the
    /// connection, it is shutting down or starting, or it is out of connections or resources. Anything else (a bad
    /// statement, a constraint) is no outage and stays a 500. EF Core wraps the first in its execution strategy's
    /// exceptions, so the whole chain is searched.
    /// </summary>
    public static string? DatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) ||
                                               pg.SqlState.StartsWith("53", StringComparison.Ordinal) ||
                                               pg.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return $"{pg.SqlState}: {pg.MessageText}";
                case PostgresException:
                    return null;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return npgsql.Message;
            }
        }
        return null;
    }

    [LoggerMessage(LogLevel.Warning, "{Method} {Path} answered 503: {Reason}")]
    private partial void LogUnavailable(string method, string path, string reason);

    [LoggerMessage(LogLevel.Error, "Unhandled error in {Method} {Path}")]
    private partial void LogUnhandled(Exception ex, string method, string path);
}

/// <summary>What a handler that changes rows guarded by a foreign key needs to tell from a failed write.</summary>
public static class DbErrors
{
    /// <summary>
    /// The write referred to a row another request removed meanwhile, or removed one another request refers to: the
    /// key's answer to a race the handler's own check could not see. Raw SQL throws it bare, SaveChanges wrapped.
    /// </summary>
    public static bool IsForeignKeyViolation(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    /// <summary>A unique index refused the write: another request made the same claim first.</summary>
    public static bool IsUniqueViolation(Exception e, string constraint) =>
        (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation } p
        && p.ConstraintName == constraint;
}
