using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ProjectDefaultTypes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "project_default_types",
                schema: "blockstore",
                columns: table => new
                {
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    volume_type_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_project_default_types", x => x.project_id);
                    table.ForeignKey(
                        name: "fk_project_default_types_volume_types_volume_type_id",
                        column: x => x.volume_type_id,
                        principalSchema: "blockstore",
                        principalTable: "volume_types",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_project_default_types_volume_type_id",
                schema: "blockstore",
                table: "project_default_types",
                column: "volume_type_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "project_default_types",
                schema: "blockstore");
        }
    }
}
