using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BlockStore.Core.Data;

/// <summary>
/// New rows written without the change tracker: INSERT statements that travel to PostgreSQL in one round trip together
/// with the statement run after them (<see cref="Quotas.QuotaService.ChargeAsync"/> takes a batch). For the hottest
/// write, a volume create, this saves a round trip and the tracker's work on every request.
/// </summary>
/// <remarks>
/// Each entity type's statement is built once from the EF Core model (table, columns, value converters), so the mapping
/// keeps its one home in the configurations. Columns the database generates (an identity, <c>xmin</c>) are left to it
/// and not read back: the entities added here are answered from, not saved again.
/// </remarks>
public sealed class RowBatch(BlockStoreDbContext db)
{
    private static readonly ConcurrentDictionary<Type, Insert> Inserts = new();

    /// <summary>Creates the parameters; an <see cref="NpgsqlCommand"/> only news them up, it keeps no state.</summary>
    private static readonly NpgsqlCommand ParameterFactory = new();

    private readonly List<NpgsqlBatchCommand> _commands = [];

    public IReadOnlyList<NpgsqlBatchCommand> Commands => _commands;

    public RowBatch Add<T>(T entity) where T : class
    {
        var insert = Inserts.GetOrAdd(typeof(T), static (type, model) => Insert.For(model.FindEntityType(type)
            ?? throw new InvalidOperationException($"{type.Name} is not an entity of the model.")), db.Model);
        _commands.Add(insert.Command(entity));
        return this;
    }

    /// <summary>Queue a message for the bus, as <see cref="BlockStoreDbContext.Enqueue{T}"/> does, in this batch.</summary>
    public RowBatch Enqueue<T>(T message, DateTime now) where T : class => Add(BlockStoreDbContext.OutboxRow(message, now));

    /// <summary>One entity type's INSERT: its text, and each column's property with the mapping that writes it.</summary>
    private sealed record Insert(string Sql, IReadOnlyList<(IProperty Property, RelationalTypeMapping Mapping)> Columns)
    {
        public static Insert For(IEntityType entity)
        {
            // Plain columns only: owned and complex types map to more than the entity's own properties.
            if (entity.GetComplexProperties().Any() || entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
                throw new NotSupportedException($"{entity.DisplayName()} has owned or complex properties, which a row batch does not write.");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var columns = entity.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never)
                .Select(p => (Property: p, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping())).ToList();
            var names = string.Join(", ", columns.Select(c => Quote(c.Property.GetColumnName(table)!)));
            var values = string.Join(", ", columns.Select((_, i) => $"${i + 1}"));
            return new Insert($"INSERT INTO {Quote(table.Schema!)}.{Quote(table.Name)} ({names}) VALUES ({values})", columns);
        }

        public NpgsqlBatchCommand Command(object entity)
        {
            var command = new NpgsqlBatchCommand(Sql);
            foreach (var (property, mapping) in Columns)
            {
                // The mapping applies the property's value converter and sets the store type (jsonb, varchar …).
                var parameter = mapping.CreateParameter(ParameterFactory, "", property.GetGetter().GetClrValueUsingContainingEntity(entity),
                    property.IsNullable);
                command.Parameters.Add((NpgsqlParameter)parameter);
            }
            return command;
        }

        private static string Quote(string name) => $"\"{name}\"";
    }
}
