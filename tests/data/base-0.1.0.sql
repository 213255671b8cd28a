BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0007');
CREATE TABLE channel_state (
	channel VARCHAR(20) NOT NULL, 
	paused_until DATETIME, 
	reason TEXT, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_channel_state PRIMARY KEY (channel)
);
INSERT INTO "channel_state" VALUES('x','2026-12-05 15:51:40.425006','token revocado','2026-12-05 14:51:40.425006');
CREATE TABLE cursor (
	channel VARCHAR(20) NOT NULL, 
	stream VARCHAR(20) NOT NULL, 
	position TEXT, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_cursor PRIMARY KEY (channel, stream)
);
INSERT INTO "cursor" VALUES('facebook','all','{"comments": {"newest": "2026-12-05T14:51:39+00:00", "seen": {"379648229440804_379648229440806": "2026-12-05T14:51:39+00:00", "379648229440804_379648229440807": "2026-12-05T14:51:39+00:00", "379648229440804_379648229440810": "2026-12-05T14:51:39+00:00", "379648229440804_379648229440811": "2026-12-05T14:51:39+00:00", "379648229440804_379648229440812": "2026-12-05T14:51:39+00:00"}}, "messages": {"newest": "2026-12-05T14:51:39+00:00", "seen": {"m_379648229440809": "2026-12-05T14:51:39+00:00"}}}','2026-12-05 14:51:39.851889');
INSERT INTO "cursor" VALUES('x','all','{"mentions_since_id": "1870179648229440808", "messages": {"newest": "2026-12-05T14:51:39.680000+00:00", "seen": {"1870179648229440807": "2026-12-05T14:51:39.680000+00:00"}}}','2026-12-05 14:51:39.860659');
INSERT INTO "cursor" VALUES('whatsapp','all',NULL,'2026-12-05 14:51:39.861447');
CREATE TABLE "interaction" (
	id INTEGER NOT NULL, 
	network VARCHAR(20) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	remote_id VARCHAR(255) NOT NULL, 
	thread_id VARCHAR(255), 
	parent_id VARCHAR(255), 
	author_id VARCHAR(255) NOT NULL, 
	author_name VARCHAR(200) NOT NULL, 
	text TEXT NOT NULL, 
	written_at DATETIME NOT NULL, 
	received_at DATETIME NOT NULL, 
	publication_id INTEGER, 
	state VARCHAR(32) NOT NULL, 
	protocol VARCHAR(64), 
	confidence FLOAT, 
	decision TEXT, 
	decided_at DATETIME, 
	attachments JSON, original_length INTEGER, 
	CONSTRAINT pk_interaction PRIMARY KEY (id), 
	CONSTRAINT uq_interaction_network_remote_id UNIQUE (network, remote_id), 
	CONSTRAINT fk_interaction_publication_id_publication FOREIGN KEY(publication_id) REFERENCES publication (id)
);
INSERT INTO "interaction" VALUES(1,'facebook','comment','379648229440804_379648229440806','100000000000001_379648229440804','100000000000001_379648229440804','7135696758628307','Ana Pérez','¿Cuándo vuelve el agua al barrio Centro? Estamos sin servicio desde la mañana.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.652404',27,'answered','corte_servicio',0.953,'Falta de agua, cortes y baja presión (confianza 0.95)','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(2,'facebook','comment','379648229440804_379648229440807','100000000000001_379648229440804','100000000000001_379648229440804','7047662859239745','Luis Gómez','Me cobraron dos veces el cargo fijo este mes, exijo la devolución.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.666728',27,'ticketed','reclamo_facturacion',0.927,'Reclamo por facturación (cobro alto, doble cobro, lectura errada): queja para radicar (pide devolución, compensación o descuento («exijo … devolucion»))','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(3,'facebook','message','m_379648229440809',NULL,NULL,'7146895161051331','Carlos Díaz','Buenas tardes, hay una fuga grande en la calle 9 con carrera 4, el agua está inundando la vía.','2026-12-05 14:51:39.671000','2026-12-05 14:51:39.676399',NULL,'ticketed','fuga_dano',0.928,'Fugas, daños en la red y alcantarillado: queja o reporte para radicar','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(4,'facebook','comment','379648229440804_379648229440810','100000000000001_379648229440804','100000000000001_379648229440804','7716282191455549','Jorge Castillo','Mil gracias por la información, muy amables.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.686940',27,'answered','saludo',0.964,'Saludos, agradecimientos y felicitaciones (confianza 0.96)','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(5,'facebook','comment','379648229440804_379648229440811','100000000000001_379648229440804','100000000000001_379648229440804','7042174230269961','Promociones YA','Vendo barato celulares, escribir al interno.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.696866',27,'ignored',NULL,0.0,'publicidad o cadena: «vendo barato»; publicidad o cadena: «escribir al interno»','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(6,'facebook','comment','379648229440804_379648229440812','100000000000001_379648229440804','100000000000001_379648229440804','7534778677779790','Sandra López','Me llegó carísimo el recibo, mi cuenta es 4455667 y mi celular 310 555 1234, llámenme.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.705825',27,'in_review','reclamo_facturacion',0.393,'parece una queja sin protocolo claro (lo más parecido: reclamo_facturacion, 0.39)','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(7,'whatsapp','message','wamid.HBgMNTczMzU4NDQ5OTE0FQIAEhgMQTM2MzlDRTY3RDIwAA','573358449914',NULL,'573358449914','Gloria Vargas','Buenos días, ¿cuál es el horario de atención de la oficina?','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.717474',NULL,'answered','horario_contacto',0.935,'Horario de atención y datos de contacto (confianza 0.94)','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(8,'whatsapp','message','wamid.HBgMNTczODAyNTY3ODc4FQIAEhgMQTM2MzlDRTY3RDIxAA','573802567878',NULL,'573802567878','Hernán Suárez','Les mando la foto del tubo roto frente a mi casa en el barrio La Esperanza, sale mucha agua.','2026-12-05 14:51:39.000000','2026-12-05 14:51:39.724778',NULL,'ticketed','fuga_dano',0.861,'Fugas, daños en la red y alcantarillado: queja o reporte para radicar','2026-12-05 14:51:40.146792','[{"kind": "image", "media_id": "179648229440802", "mime_type": "image/jpeg"}]',NULL);
INSERT INTO "interaction" VALUES(9,'x','mention','1870179648229440808','1870179648229440808',NULL,'1622593633746025292','Pedro Ríos','@acueducto_ejemplo ¿atienden el sábado? jajaja porque entre semana imposible','2026-12-05 14:51:39.711000','2026-12-05 14:51:39.859458',NULL,'in_review','horario_contacto',0.893,'se ríe: puede ser un chiste o una ironía','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(10,'x','mention','1870179648229440806','1870179648229440806',NULL,'1675079647998599593','Marta Ruiz','@acueducto_ejemplo ¿Dónde puedo pagar la factura? ¿Reciben PSE?','2026-12-05 14:51:39.660000','2026-12-05 14:51:39.859458',NULL,'answered','pago',0.996,'Dónde y cómo pagar, acuerdos de pago (confianza 1.00)','2026-12-05 14:51:40.146792',NULL,NULL);
INSERT INTO "interaction" VALUES(11,'x','message','1870179648229440807','1500000000000000001-1601564623714690944',NULL,'1601564623714690944','Rosa Medina','El agua llega de color café desde ayer, ¿se puede tomar así?','2026-12-05 14:51:39.680000','2026-12-05 14:51:39.859458',NULL,'ticketed','calidad_agua',0.93,'Calidad del agua (color, olor, sabor, sedimentos): queja o reporte para radicar','2026-12-05 14:51:40.146792',NULL,NULL);
CREATE TABLE metricsample (
	id INTEGER NOT NULL, 
	publication_id INTEGER NOT NULL, 
	collected_at DATETIME NOT NULL, 
	reach INTEGER, 
	views INTEGER, 
	reactions INTEGER, 
	comments INTEGER, 
	shares INTEGER, 
	clicks INTEGER, 
	CONSTRAINT pk_metricsample PRIMARY KEY (id), 
	CONSTRAINT fk_metricsample_publication_id_publication FOREIGN KEY(publication_id) REFERENCES publication (id), 
	CONSTRAINT uq_metricsample_publication_id_collected_at UNIQUE (publication_id, collected_at)
);
INSERT INTO "metricsample" VALUES(1,23,'2026-12-05 14:51:40.294018',154,221,28,0,0,11);
INSERT INTO "metricsample" VALUES(2,25,'2026-12-05 14:51:40.294018',378,540,30,0,1,27);
INSERT INTO "metricsample" VALUES(3,27,'2026-12-05 14:51:40.294018',523,748,9,5,0,37);
INSERT INTO "metricsample" VALUES(4,24,'2026-12-05 14:51:40.294018',NULL,201,15,0,3,NULL);
INSERT INTO "metricsample" VALUES(5,26,'2026-12-05 14:51:40.294018',NULL,695,29,0,7,NULL);
INSERT INTO "metricsample" VALUES(6,28,'2026-12-05 14:51:40.294018',NULL,578,7,0,6,NULL);
CREATE TABLE post (
	id VARCHAR(100) NOT NULL, 
	text TEXT NOT NULL, 
	variants JSON NOT NULL, 
	media JSON NOT NULL, 
	scheduled_at DATETIME NOT NULL, 
	campaign VARCHAR(100), 
	source_file VARCHAR(500) NOT NULL, 
	source_line INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_post PRIMARY KEY (id)
);
INSERT INTO "post" VALUES('ahorro-agua-01','💧 Cada gota cuenta. Cerrar la llave mientras se cepilla ahorra hasta 12 litros de agua cada vez. En diciembre cuidemos el agua en familia.','{"x": "\ud83d\udca7 Cerrar la llave mientras se cepilla ahorra hasta 12 litros. \u00a1En diciembre cuidemos el agua en familia! #CadaGotaCuenta"}','["ahorro/gota.png"]','2027-01-01 13:00:00.000000','ahorro','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',7,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('mantenimiento-tanque-norte','Aviso de mantenimiento programado: el martes 8 de diciembre, de 8:00 a. m. a 2:00 p. m., lavaremos el tanque de almacenamiento del sector Norte. Los barrios La Ceiba, El Prado y San Martín tendrán baja presión o suspensión del servicio. Almacene agua con anticipación.','{"x": "Mantenimiento programado: martes 8 de dic., 8:00 a. m. a 2:00 p. m. Tanque sector Norte: La Ceiba, El Prado y San Mart\u00edn tendr\u00e1n baja presi\u00f3n o suspensi\u00f3n. Almacene agua con anticipaci\u00f3n."}','["cortes/mantenimiento.jpg"]','2027-01-03 12:00:00.000000','cortes','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',17,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('lavado-tanques-video','¿Sabe cómo lavar el tanque de su casa? Le mostramos los tres pasos. Hágalo cada seis meses.','{}','["ahorro/lavado-tanques.mp4"]','2027-01-05 15:00:00.000000','ahorro','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',28,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('pago-en-linea','Pague su factura sin filas por PSE en nuestra página web, en los corresponsales bancarios o en la oficina principal. Evite recargos pagando antes de la fecha límite.','{}','["pagos/pse.png"]','2027-01-07 14:00:00.000000','pagos','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',35,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('recordatorio-mantenimiento','Recuerde que mañana martes habrá mantenimiento en el tanque del sector Norte, de 8:00 a. m. a 2:00 p. m. Almacene agua hoy.','{}','[]','2027-01-07 22:00:00.000000','cortes','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',42,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('calidad-agua-noviembre','El agua que llega a su casa es apta para el consumo humano. Los análisis de noviembre del laboratorio cumplen la Resolución 2115 de 2007 en color, turbiedad, cloro residual y microbiología. Si nota un cambio de color, olor o sabor, repórtelo por nuestros canales.','{}','["calidad/laboratorio.jpg"]','2027-01-10 13:30:00.000000','calidad','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',48,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('ahorro-ducha','Una ducha de 5 minutos gasta cerca de 40 litros menos que una de 10. ¿Se suma al reto?','{}','["ahorro/ducha.jpg"]','2027-01-12 16:00:00.000000','ahorro','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',58,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('fugas-reporte','¿Vio una fuga o un tubo roto en la calle? Repórtelo por mensaje privado con la dirección y una foto. Nuestras cuadrillas lo atienden las 24 horas.','{}','[]','2027-01-14 13:00:00.000000','servicio','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',65,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('horario-navidad','Horario de atención en Navidad y Año Nuevo: el 24 y el 31 de diciembre atenderemos en la oficina principal de 7:00 a. m. a 12:00 m. El 25 de diciembre y el 1 de enero no habrá atención presencial; las cuadrillas de emergencia siguen disponibles.','{"x": "Horario de fin de a\u00f1o: 24 y 31 de dic., de 7:00 a. m. a 12:00 m. El 25 de dic. y el 1 de ene. no hay atenci\u00f3n presencial; las cuadrillas de emergencia siguen activas."}','[]','2027-01-18 13:00:00.000000','servicio','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',71,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('pqr-como-radicar','¿Tiene una petición, queja o reclamo? Puede radicarla en la oficina, en nuestra página web o por mensaje privado en esta página. Le daremos un número de radicado y le responderemos dentro de los 15 días hábiles que fija la ley.','{}','[]','2027-01-21 14:00:00.000000','servicio','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',81,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('ahorro-fin-de-ano','En estas fiestas, revise que no haya fugas en su casa antes de viajar y cierre el registro si se va varios días. 💧','{}','[]','2027-01-28 15:00:00.000000','ahorro','/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',90,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('feliz-ano','Gracias por cuidar el agua con nosotros este año. ¡Feliz Año Nuevo!','{}','[]','2027-01-31 23:00:00.000000',NULL,'/tmp/tmp7rp4hxcu/oficina/calendario-2027-01.yaml',96,'2026-12-05 14:51:34.214164','2026-12-05 14:51:34.214164');
INSERT INTO "post" VALUES('hoy-145134-1','💧 Cada gota cuenta. Cerrar la llave mientras se cepilla ahorra hasta 12 litros de agua cada vez. En diciembre cuidemos el agua en familia.','{"x": "\ud83d\udca7 Cerrar la llave mientras se cepilla ahorra hasta 12 litros. \u00a1En diciembre cuidemos el agua en familia! #CadaGotaCuenta"}','["ahorro/gota.png"]','2026-12-05 14:51:35.400430','ahorro','demo: hoy',7,'2026-12-05 14:51:34.400430','2026-12-05 14:51:34.400430');
INSERT INTO "post" VALUES('hoy-145134-2','Aviso de mantenimiento programado: el martes 8 de diciembre, de 8:00 a. m. a 2:00 p. m., lavaremos el tanque de almacenamiento del sector Norte. Los barrios La Ceiba, El Prado y San Martín tendrán baja presión o suspensión del servicio. Almacene agua con anticipación.','{"x": "Mantenimiento programado: martes 8 de dic., 8:00 a. m. a 2:00 p. m. Tanque sector Norte: La Ceiba, El Prado y San Mart\u00edn tendr\u00e1n baja presi\u00f3n o suspensi\u00f3n. Almacene agua con anticipaci\u00f3n."}','["cortes/mantenimiento.jpg"]','2026-12-05 14:51:36.400430','cortes','demo: hoy',17,'2026-12-05 14:51:34.400430','2026-12-05 14:51:34.400430');
INSERT INTO "post" VALUES('hoy-145134-3','¿Sabe cómo lavar el tanque de su casa? Le mostramos los tres pasos. Hágalo cada seis meses.','{}','["ahorro/lavado-tanques.mp4"]','2026-12-05 14:51:37.400430','ahorro','demo: hoy',28,'2026-12-05 14:51:34.400430','2026-12-05 14:51:34.400430');
CREATE TABLE publication (
	id INTEGER NOT NULL, 
	post_id VARCHAR(100) NOT NULL, 
	network VARCHAR(20) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	lease_owner VARCHAR(100), 
	lease_expires_at DATETIME, 
	remote_id VARCHAR(100), 
	remote_url VARCHAR(500), 
	published_at DATETIME, 
	last_error TEXT, 
	CONSTRAINT pk_publication PRIMARY KEY (id), 
	CONSTRAINT fk_publication_post_id_post FOREIGN KEY(post_id) REFERENCES post (id), 
	CONSTRAINT uq_publication_post_id_network UNIQUE (post_id, network)
);
INSERT INTO "publication" VALUES(1,'ahorro-agua-01','facebook','scheduled',0,'2027-01-01 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(2,'ahorro-agua-01','x','scheduled',0,'2027-01-01 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(3,'mantenimiento-tanque-norte','facebook','scheduled',0,'2027-01-03 12:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(4,'mantenimiento-tanque-norte','x','scheduled',0,'2027-01-03 12:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(5,'lavado-tanques-video','facebook','scheduled',0,'2027-01-05 15:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(6,'lavado-tanques-video','x','scheduled',0,'2027-01-05 15:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(7,'pago-en-linea','facebook','scheduled',0,'2027-01-07 14:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(8,'pago-en-linea','x','scheduled',0,'2027-01-07 14:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(9,'recordatorio-mantenimiento','facebook','scheduled',0,'2027-01-07 22:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(10,'recordatorio-mantenimiento','x','scheduled',0,'2027-01-07 22:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(11,'calidad-agua-noviembre','facebook','scheduled',0,'2027-01-10 13:30:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(12,'ahorro-ducha','facebook','scheduled',0,'2027-01-12 16:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(13,'ahorro-ducha','x','scheduled',0,'2027-01-12 16:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(14,'fugas-reporte','facebook','scheduled',0,'2027-01-14 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(15,'fugas-reporte','x','scheduled',0,'2027-01-14 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(16,'horario-navidad','facebook','scheduled',0,'2027-01-18 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(17,'horario-navidad','x','scheduled',0,'2027-01-18 13:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(18,'pqr-como-radicar','facebook','scheduled',0,'2027-01-21 14:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(19,'ahorro-fin-de-ano','facebook','scheduled',0,'2027-01-28 15:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(20,'ahorro-fin-de-ano','x','scheduled',0,'2027-01-28 15:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(21,'feliz-ano','facebook','scheduled',0,'2027-01-31 23:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(22,'feliz-ano','x','scheduled',0,'2027-01-31 23:00:00.000000',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "publication" VALUES(23,'hoy-145134-1','facebook','published',1,'2026-12-05 14:51:35.400430',NULL,NULL,'100000000000001_379648229440801','https://www.facebook.com/100000000000001/posts/379648229440801','2026-12-05 14:51:35.000000',NULL);
INSERT INTO "publication" VALUES(24,'hoy-145134-1','x','published',1,'2026-12-05 14:51:35.400430',NULL,NULL,'1870179648229440801','https://x.com/i/web/status/1870179648229440801','2026-12-05 14:51:35.464853',NULL);
INSERT INTO "publication" VALUES(25,'hoy-145134-2','facebook','published',1,'2026-12-05 14:51:36.400430',NULL,NULL,'100000000000001_379648229440803','https://www.facebook.com/100000000000001/posts/379648229440803','2026-12-05 14:51:36.000000',NULL);
INSERT INTO "publication" VALUES(26,'hoy-145134-2','x','published',1,'2026-12-05 14:51:36.400430',NULL,NULL,'1870179648229440803','https://x.com/i/web/status/1870179648229440803','2026-12-05 14:51:36.503591',NULL);
INSERT INTO "publication" VALUES(27,'hoy-145134-3','facebook','published',1,'2026-12-05 14:51:37.400430',NULL,NULL,'100000000000001_379648229440804','https://www.facebook.com/100000000000001/posts/379648229440804','2026-12-05 14:51:37.000000',NULL);
INSERT INTO "publication" VALUES(28,'hoy-145134-3','x','published',1,'2026-12-05 14:51:37.400430',NULL,NULL,'1870179648229440805','https://x.com/i/web/status/1870179648229440805','2026-12-05 14:51:39.537411',NULL);
CREATE TABLE "reply" (
	id INTEGER NOT NULL, 
	interaction_id INTEGER NOT NULL, 
	protocol VARCHAR(64), 
	confidence FLOAT NOT NULL, 
	text TEXT NOT NULL, 
	visibility VARCHAR(32) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	reviewer VARCHAR(100), 
	review_note TEXT, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME, 
	lease_owner VARCHAR(100), 
	lease_expires_at DATETIME, 
	remote_id VARCHAR(255), 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	sent_at DATETIME, 
	kind VARCHAR(32) DEFAULT 'answer' NOT NULL, 
	ticket_id INTEGER, 
	CONSTRAINT pk_reply PRIMARY KEY (id), 
	CONSTRAINT fk_reply_ticket_id_ticket FOREIGN KEY(ticket_id) REFERENCES ticket (id), 
	CONSTRAINT fk_reply_interaction_id_interaction FOREIGN KEY(interaction_id) REFERENCES interaction (id)
);
INSERT INTO "reply" VALUES(1,1,'corte_servicio',0.953,'Hola, Ana Pérez. Hay suspensión programada en Barrio Centro desde el sábado 5 de diciembre, 8:51 a. m., hasta el sábado 5 de diciembre, 2:51 p. m., por cambio de una válvula en la red. Si su sector es otro, escríbanos por mensaje privado.','public','sent','automático','Falta de agua, cortes y baja presión (confianza 0.95)',1,NULL,NULL,NULL,'379648229440804_379648229440813',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.254509','answer',NULL);
INSERT INTO "reply" VALUES(2,2,'reclamo_facturacion',0.927,'Hola, Luis Gómez. Registramos su reclamo con el radicado 2026-000001 y le responderemos a más tardar el 30 de diciembre de 2026. Por favor escríbanos por mensaje privado su número de cuenta o contrato para revisar la factura.','public','sent','automático','Reclamo por facturación (cobro alto, doble cobro, lectura errada): queja para radicar (pide devolución, compensación o descuento («exijo … devolucion»))',1,NULL,NULL,NULL,'379648229440804_379648229440814',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.260148','acknowledgement',1);
INSERT INTO "reply" VALUES(3,2,'reclamo_facturacion',0.927,'Hola, Luis Gómez. Recibimos su reclamo sobre la factura.
Quedó registrado con el radicado 2026-000001 y le responderemos a más tardar el 30 de diciembre de 2026. La ley nos da 15 días hábiles para responder.

Para revisarlo, envíenos por este medio:
- Número de cuenta o contrato y dirección del predio.
- Qué cobro reclama y por qué (consumo alto, doble cobro, lectura, predio desocupado).
- Una foto del medidor donde se vea la lectura, con la fecha.
- El soporte de pago, si reclama un doble cobro.

Mientras se resuelve, no tiene que pagar la suma en discusión: pague la parte no reclamada o el promedio de sus últimos cinco periodos de consumo, antes de la fecha de vencimiento. Puede que un técnico visite el predio para revisar el medidor. Para descartar fugas internas, cierre todas las llaves y observe si el medidor sigue girando.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','sent','automático','Reclamo por facturación (cobro alto, doble cobro, lectura errada): queja para radicar (pide devolución, compensación o descuento («exijo … devolucion»))',1,NULL,NULL,NULL,'m_379648229440816',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.263097','acknowledgement',1);
INSERT INTO "reply" VALUES(4,3,'fuga_dano',0.928,'Hola, Carlos Díaz. Gracias por reportar el daño.
Su reporte quedó registrado con el radicado 2026-000002 y le daremos respuesta a más tardar el domingo 6 de diciembre, 9:51 a. m.

Para que la cuadrilla llegue al sitio correcto, envíenos por este medio:
- Dirección exacta y barrio, con un punto de referencia.
- Qué está pasando: fuga en la calle, tubo roto, alcantarilla rebosada o tapa faltante.
- Una foto o un video, si es posible.
- Un teléfono de contacto.

Si hay una tapa faltante o un hueco, por favor señalícelo con algo visible y mantenga alejados a los niños mientras atendemos el daño. Las fugas dentro del predio, después del medidor, son responsabilidad del usuario y las debe reparar un plomero de su confianza.

Si la situación es de riesgo, llámenos al 607 000 0000.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','sent','automático','Fugas, daños en la red y alcantarillado: queja o reporte para radicar',1,NULL,NULL,NULL,'m_379648229440817',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.265874','acknowledgement',2);
INSERT INTO "reply" VALUES(5,4,'saludo',0.964,'¡Hola, Jorge Castillo! Gracias por escribirnos. En Acueducto de Ejemplo S.A. E.S.P. estamos para servirle. 💧','public','sent','automático','Saludos, agradecimientos y felicitaciones (confianza 0.96)',1,NULL,NULL,NULL,'379648229440804_379648229440818',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.268371','answer',NULL);
INSERT INTO "reply" VALUES(6,6,'reclamo_facturacion',0.393,'Hola, Sandra López. Por su seguridad, no publique datos personales (cédula, número de cuenta, teléfono, dirección) en los comentarios. Le escribimos por mensaje privado para continuar con su caso.','public','sent','automático','el comentario trae datos personales: se sigue en privado',1,NULL,NULL,NULL,'379648229440804_379648229440819',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.270846','acknowledgement',NULL);
INSERT INTO "reply" VALUES(7,6,'reclamo_facturacion',0.393,'Hola, Sandra López. Recibimos su reclamo sobre la factura.
Una persona de nuestro equipo lo radicará y le informará el número de radicado y la fecha de respuesta. La ley nos da 15 días hábiles para responder.

Para revisarlo, envíenos por este medio:
- Número de cuenta o contrato y dirección del predio.
- Qué cobro reclama y por qué (consumo alto, doble cobro, lectura, predio desocupado).
- Una foto del medidor donde se vea la lectura, con la fecha.
- El soporte de pago, si reclama un doble cobro.

Mientras se resuelve, no tiene que pagar la suma en discusión: pague la parte no reclamada o el promedio de sus últimos cinco periodos de consumo, antes de la fecha de vencimiento. Puede que un técnico visite el predio para revisar el medidor. Para descartar fugas internas, cierre todas las llaves y observe si el medidor sigue girando.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','pending',NULL,'parece una queja sin protocolo claro (lo más parecido: reclamo_facturacion, 0.39)',0,NULL,NULL,NULL,NULL,NULL,'2026-12-05 14:51:40.146792',NULL,NULL,'answer',NULL);
INSERT INTO "reply" VALUES(8,7,'horario_contacto',0.935,'Hola, Gloria Vargas. Estos son nuestros canales de atención de Acueducto de Ejemplo S.A. E.S.P.:
- Oficina: Calle 1 # 2-3, Centro
- Horario de atención: lunes a viernes de 7:00 a. m. a 5:00 p. m.
- Teléfono: 607 000 0000
- WhatsApp: +57 300 000 0000
- Correo electrónico: pqr@acueducto-ejemplo.example
- Página web: https://acueducto-ejemplo.example
- Este mismo chat, donde con gusto le atendemos

Por cualquiera de estos canales puede hacer consultas, reportar daños y presentar peticiones, quejas y reclamos.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','sent','automático','Horario de atención y datos de contacto (confianza 0.94)',1,NULL,NULL,NULL,'wamid.HBgMNTczMzU4NDQ5OTE0FQIAERgMQTM2MzlDRTY3RDIzAA',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.274569','answer',NULL);
INSERT INTO "reply" VALUES(9,8,'fuga_dano',0.861,'Hola, Hernán Suárez. Gracias por reportar el daño.
Su reporte quedó registrado con el radicado 2026-000003 y le daremos respuesta a más tardar el domingo 6 de diciembre, 9:51 a. m.

Para que la cuadrilla llegue al sitio correcto, envíenos por este medio:
- Dirección exacta y barrio, con un punto de referencia.
- Qué está pasando: fuga en la calle, tubo roto, alcantarilla rebosada o tapa faltante.
- Un teléfono de contacto.

Si hay una tapa faltante o un hueco, por favor señalícelo con algo visible y mantenga alejados a los niños mientras atendemos el daño. Las fugas dentro del predio, después del medidor, son responsabilidad del usuario y las debe reparar un plomero de su confianza.

Si la situación es de riesgo, llámenos al 607 000 0000.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','sent','automático','Fugas, daños en la red y alcantarillado: queja o reporte para radicar',1,NULL,NULL,NULL,'wamid.HBgMNTczODAyNTY3ODc4FQIAERgMQTM2MzlDRTY3RDI0AA',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.277740','acknowledgement',3);
INSERT INTO "reply" VALUES(10,9,'horario_contacto',0.893,'Hola, Pedro Ríos.
Oficina: Calle 1 # 2-3, Centro
Horario: lunes a viernes de 7:00 a. m. a 5:00 p. m.
Teléfono: 607 000 0000
WhatsApp: +57 300 000 0000
Correo: pqr@acueducto-ejemplo.example','public','pending',NULL,'se ríe: puede ser un chiste o una ironía',0,NULL,NULL,NULL,NULL,NULL,'2026-12-05 14:51:40.146792',NULL,NULL,'answer',NULL);
INSERT INTO "reply" VALUES(11,10,'pago',0.996,'Hola, Marta Ruiz. Puede pagar su factura en Bancolombia, Efecty, nuestra oficina principal y PSE en la página web. Si necesita un acuerdo de pago, escríbanos por mensaje privado con su número de cuenta o contrato.','public','sent','automático','Dónde y cómo pagar, acuerdos de pago (confianza 1.00)',1,NULL,NULL,NULL,'1870179648229440809',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.282214','answer',NULL);
INSERT INTO "reply" VALUES(12,11,'calidad_agua',0.93,'Hola, Rosa Medina. Gracias por informarnos sobre la calidad del agua.
Su reporte quedó registrado con el radicado 2026-000004 y le daremos respuesta a más tardar el 30 de diciembre de 2026.

Para revisarlo, envíenos por este medio:
- Dirección, barrio y número de cuenta o contrato.
- Qué nota: color, olor, sabor o sedimentos, y desde cuándo.
- Si sus vecinos tienen el mismo problema.
- Una foto del agua en un vaso transparente, si es posible.

Después de un corte o una reparación el agua puede salir turbia por un rato: deje correr la llave unos minutos. Revise también el tanque de almacenamiento de su casa, que se debe lavar y desinfectar cada seis meses. Mientras verificamos, si tiene dudas, hierva el agua para beber o use agua envasada.

Si necesita comunicarse con nosotros, llámenos al 607 000 0000.

Aviso de privacidad: al escribirnos, usted autoriza a Acueducto de Ejemplo S.A. E.S.P. a tratar sus datos personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee.','private','sent','automático','Calidad del agua (color, olor, sabor, sedimentos): queja o reporte para radicar',1,NULL,NULL,NULL,'1870179648229440810',NULL,'2026-12-05 14:51:40.146792','2026-12-05 14:51:40.146792','2026-12-05 14:51:40.289100','acknowledgement',4);
CREATE TABLE service_notice (
	id INTEGER NOT NULL, 
	sector VARCHAR(200) NOT NULL, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	reason VARCHAR(500) NOT NULL, 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	CONSTRAINT pk_service_notice PRIMARY KEY (id)
);
INSERT INTO "service_notice" VALUES(1,'Barrio Centro','2026-12-05 13:51:34.400430','2026-12-05 19:51:34.400430','cambio de una válvula en la red','2026-12-05 14:51:34.400430',NULL);
CREATE TABLE set_aside_item (
	id INTEGER NOT NULL, 
	network VARCHAR(20) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	source VARCHAR(10) NOT NULL, 
	remote_id VARCHAR(255), 
	fingerprint VARCHAR(64) NOT NULL, 
	reason TEXT NOT NULL, 
	excerpt VARCHAR(200) NOT NULL, 
	set_aside_at DATETIME NOT NULL, 
	CONSTRAINT pk_set_aside_item PRIMARY KEY (id), 
	CONSTRAINT uq_set_aside_item_network_fingerprint UNIQUE (network, fingerprint)
);
INSERT INTO "set_aside_item" VALUES(1,'facebook','comment','poll',NULL,'df7c852985a78e30d2b98cfccc95a8a66902a0d1a549204f7877bcbf793dca79','sin texto ni id legible','{…}','2026-12-05 14:51:40.425006');
CREATE TABLE ticket (
	id INTEGER NOT NULL, 
	radicado VARCHAR(11) NOT NULL, 
	year INTEGER NOT NULL, 
	sequence INTEGER NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	causal VARCHAR(16), 
	network VARCHAR(20) NOT NULL, 
	interaction_id INTEGER, 
	filed_at DATETIME NOT NULL, 
	due_date DATE NOT NULL, 
	status VARCHAR(32) NOT NULL, 
	answer_text TEXT, 
	answered_at DATETIME, 
	closed_at DATETIME, filed_on DATE NOT NULL, due_at DATETIME, answer_type VARCHAR(32), answered_by VARCHAR(100), 
	CONSTRAINT pk_ticket PRIMARY KEY (id), 
	CONSTRAINT fk_ticket_interaction_id_interaction FOREIGN KEY(interaction_id) REFERENCES interaction (id), 
	CONSTRAINT uq_ticket_radicado UNIQUE (radicado), 
	CONSTRAINT uq_ticket_year_sequence UNIQUE (year, sequence)
);
INSERT INTO "ticket" VALUES(1,'2026-000001',2026,1,'reclamo','107','facebook',2,'2026-12-05 14:51:40.146792','2026-12-30','abierto',NULL,NULL,NULL,'2026-12-07',NULL,NULL,NULL);
INSERT INTO "ticket" VALUES(2,'2026-000002',2026,2,'reporte_dano','316','facebook',3,'2026-12-05 14:51:40.146792','2026-12-06','abierto',NULL,NULL,NULL,'2026-12-05','2026-12-06 14:51:40.146792',NULL,NULL);
INSERT INTO "ticket" VALUES(3,'2026-000003',2026,3,'reporte_dano','316','whatsapp',8,'2026-12-05 14:51:40.146792','2026-12-06','abierto',NULL,NULL,NULL,'2026-12-05','2026-12-06 14:51:40.146792',NULL,NULL);
INSERT INTO "ticket" VALUES(4,'2026-000004',2026,4,'reclamo','304','x',11,'2026-12-05 14:51:40.146792','2026-12-30','abierto',NULL,NULL,NULL,'2026-12-07',NULL,NULL,NULL);
CREATE TABLE ticket_sequence (
	year INTEGER NOT NULL, 
	last INTEGER NOT NULL, 
	CONSTRAINT pk_ticket_sequence PRIMARY KEY (year)
);
INSERT INTO "ticket_sequence" VALUES(2026,4);
CREATE TABLE undelivered_reply (
	network VARCHAR(20) NOT NULL, 
	remote_id VARCHAR(255) NOT NULL, 
	code INTEGER, 
	reason TEXT NOT NULL, 
	reported_at DATETIME NOT NULL, 
	CONSTRAINT pk_undelivered_reply PRIMARY KEY (network, remote_id)
);
INSERT INTO "undelivered_reply" VALUES('whatsapp','wamid.demo-1',131047,'fuera','2026-12-05 14:51:40.425006');
CREATE INDEX ix_publication_due ON publication (state, next_attempt_at);
CREATE INDEX ix_ticket_interaction ON ticket (interaction_id);
CREATE INDEX ix_ticket_status_due ON ticket (status, due_date);
CREATE INDEX ix_service_notice_open ON service_notice (closed_at, ends_at);
CREATE INDEX ix_ticket_filed ON ticket (filed_at);
CREATE INDEX ix_interaction_publication ON interaction (publication_id);
CREATE INDEX ix_interaction_written ON interaction (written_at);
CREATE INDEX ix_interaction_state ON interaction (state, received_at);
CREATE INDEX ix_interaction_author ON interaction (network, author_id, written_at);
CREATE INDEX ix_reply_state ON reply (state, next_attempt_at);
CREATE INDEX ix_reply_interaction ON reply (interaction_id);
CREATE UNIQUE INDEX uq_reply_one_sent_per_interaction ON reply (interaction_id, kind, visibility) WHERE state = 'sent';
CREATE INDEX ix_set_aside_item_set_aside_at ON set_aside_item (set_aside_at);
COMMIT;
